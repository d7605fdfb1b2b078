"""The output folder: safe, unique, deterministic names; writes that never leave the folder and
never leave partial files; the manifest; and the re-run policy (an existing export is replaced
only with `overwrite`, and only the files its manifest lists are removed)."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import unicodedata
from pathlib import Path
from typing import Any, Iterator

from .problems import ExportError, show

MANIFEST = "crops.json"
TEMP_PREFIX, TEMP_SUFFIX = ".dynacrop-", ".tmp"  # hidden, and no safe name starts with '.'
_SUFFIX_ROOM = 8  # bytes kept free in a name for '-<n>' when names repeat


def component(text: str, limit: int = 255) -> str:
    """`text` as one file-name component that cannot escape or hide: letters, digits, '-', '_',
    '.' and ' ' are kept, anything else (separators, NUL, control characters) becomes '_';
    leading dots become '_' (so never '.', '..' or hidden); never empty; at most `limit`
    bytes in UTF-8 (a longer name keeps its start plus '~' and a hash of the whole)."""
    cleaned = "".join(c if c.isalnum() or c in "-_. " else "_" for c in text).strip(" ")
    cleaned = "_" * (len(cleaned) - len(cleaned.lstrip("."))) + cleaned.lstrip(".") or "unnamed"
    encoded = cleaned.encode("utf-8")
    if len(encoded) <= limit:
        return cleaned
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return encoded[: limit - 9].decode("utf-8", "ignore") + "~" + digest


def _key(rel: str) -> str:
    """Names that a case-insensitive or normalising file system would take as one."""
    return unicodedata.normalize("NFC", rel).casefold()


class CropNames:
    """'<category>/<image-stem>_<annotation-id>.<ext>' paths, claimed in a fixed order so the
    same dataset always gives the same names; a repeated name gets '-2', '-3', ..."""

    def __init__(self, ext: str, name_max: int = 255):
        self.ext = ext
        self.limit = min(max(name_max, 64), 255)  # (no file system in use allows fewer than 64 bytes)
        self.folders: dict[Any, str] = {}
        self.taken: set[str] = {_key(MANIFEST)}
        self.next: dict[str, int] = {}

    def folder(self, category_id: Any, name: str) -> str:
        """The folder of a category, distinct for distinct ids even where names clean alike."""
        if category_id not in self.folders:
            self.folders[category_id] = self._unique(component(name, self.limit - _SUFFIX_ROOM), "")
        return self.folders[category_id]

    def claim(self, category_id: Any, category: str, base: str) -> str:
        folder = self.folder(category_id, category)
        stem = component(base, self.limit - _SUFFIX_ROOM - len(self.ext) - 1)
        return f"{folder}/{self._unique(stem, '.' + self.ext, folder + '/')}"

    def _unique(self, stem: str, ext: str, parent: str = "") -> str:
        name, key = stem + ext, _key(parent + stem + ext)
        while key in self.taken:
            n = self.next.get(key, 2)
            self.next[key] = n + 1
            name = f"{stem}-{n}{ext}"
            if _key(parent + name) not in self.taken:
                break
        self.taken.add(_key(parent + name))
        return name


class OutputFolder:
    """An export's folder, made ready by `prepare` (created, or emptied of an earlier export)."""

    def __init__(self, root: Path):
        self.root = root
        self.real = os.path.realpath(root)
        try:
            self.name_max = os.pathconf(self.real, "PC_NAME_MAX")
        except (OSError, ValueError):
            self.name_max = 255

    @classmethod
    def prepare(cls, out: Path, overwrite: bool) -> OutputFolder:
        """The folder ready for a run: created if missing; hidden temporary files of a killed
        run removed; if anything else is there, refused, unless `overwrite` and everything
        there is what the earlier manifest lists (then exactly that is removed)."""
        out = Path(out)
        where = show(str(out))
        if os.path.lexists(out) and not out.is_dir():
            raise ExportError(f"--out: {where} exists and is not a folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ExportError(f"--out: cannot create {where}: {e.strerror or e}") from None
        if not os.access(out, os.W_OK | os.X_OK):
            raise ExportError(f"--out: cannot write in {where}: permission denied")
        folder = cls(out)
        folder._clear(where, overwrite)
        return folder

    def _clear(self, where: str, overwrite: bool) -> None:
        listed = self._listed() if overwrite else set()
        temporary, files, dirs = [], [], []
        for rel, is_dir in self._walk():  # stops at the first file that is not ours to remove
            if is_dir:
                dirs.append(rel)
            elif is_temporary(rel):
                temporary.append(rel)
            elif not overwrite:
                raise ExportError(f"--out: {where} is not empty (e.g. {show(rel)}); pass --overwrite to replace "
                                  f"an earlier export, or choose an empty folder")
            elif rel not in listed:
                raise ExportError(f"--out: {where} holds files that its {MANIFEST} does not list (e.g. {show(rel)}); "
                                  f"--overwrite removes only an earlier export's files: move them or choose "
                                  f"another folder")
            else:
                files.append(rel)
        try:
            for rel in temporary + files:
                os.unlink(os.path.join(self.real, rel))
            for rel in sorted(dirs, key=len, reverse=True):  # deepest first; only empty ones go
                try:
                    os.rmdir(os.path.join(self.real, rel))
                except OSError:
                    pass
        except OSError as e:
            raise ExportError(f"--out: cannot clear {where}: {e.strerror or e}") from None

    def _walk(self) -> Iterator[tuple[str, bool]]:
        """(relative path, is a folder) for everything in the folder; links are listed as files,
        never followed."""
        for parent, subdirs, names in os.walk(self.real):
            rel = os.path.relpath(parent, self.real)
            for name in subdirs:
                yield os.path.normpath(os.path.join(rel, name)), not os.path.islink(os.path.join(parent, name))
            for name in names:
                yield os.path.normpath(os.path.join(rel, name)), False

    def _listed(self) -> set[str]:
        """The files the earlier manifest says that run wrote (itself included); nothing if it
        is not a manifest. Only files found inside the folder are ever compared with this, so a
        forged entry cannot reach outside it."""
        try:
            with open(os.path.join(self.real, MANIFEST), "rb") as f:
                crops = json.loads(f.read())["crops"]
            return {MANIFEST} | {c["file"] for c in crops if isinstance(c, dict) and isinstance(c.get("file"), str)}
        except (OSError, ValueError, RecursionError, KeyError, TypeError):
            return set()

    def path(self, rel: str) -> str:
        """The absolute path for `rel`, its folder created, after checking that the path stays
        inside the output folder (lexically, then with links resolved)."""
        path = os.path.normpath(os.path.join(self.real, rel))
        parent = os.path.dirname(path)
        if os.path.commonpath([path, self.real]) != self.real or path == self.real or "\0" in rel:
            raise OSError(f"{show(rel)} would be outside the output folder")
        os.makedirs(parent, exist_ok=True)
        if os.path.commonpath([os.path.realpath(parent), self.real]) != self.real:
            raise OSError(f"{show(rel)} would be outside the output folder (through a link)")
        return path

    def write(self, rel: str, data: bytes) -> None:
        """Write a whole file or nothing: a hidden temporary file beside it, renamed into place.
        Permissions are the usual ones for new files (0666 less the umask: 0644 under 022)."""
        path = self.path(rel)
        tmp = os.path.join(os.path.dirname(path), f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(tmp, flags, 0o666)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def remove_temporary(self) -> None:
        """Remove the hidden temporary files that writes killed midway left (once no write is
        running: another process's files in progress look the same)."""
        for rel, is_dir in self._walk():
            if not is_dir and is_temporary(rel):
                try:
                    os.unlink(os.path.join(self.real, rel))
                except FileNotFoundError:
                    pass

    def write_manifest(self, summary: dict) -> None:
        try:
            self.write(MANIFEST, json.dumps(summary, indent=1).encode())
        except OSError as e:
            raise ExportError(f"--out: cannot write {show(str(self.root / MANIFEST))}: {e.strerror or e}") from None


def is_temporary(rel: str) -> bool:
    name = os.path.basename(rel)
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)
