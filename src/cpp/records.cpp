// records(): many small Python objects built column by column in one call. A boxes-only crop
// call is dominated by the ~9 objects each crop returns (metadata, image data, predictions,
// the result dict); made one by one in Python they cost ~4 us per crop, several times the
// copy itself. Only stable-ABI calls are used.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace nb = nanobind;
using namespace nb::literals;

namespace dcn {
namespace {

nb::list records(nb::handle cls, nb::dict columns, nb::handle shared) {
    std::vector<std::pair<nb::handle, nb::handle>> cols;  // borrowed: `columns` holds them
    Py_ssize_t n = -1;
    for (auto [key, value] : columns) {
        if (!PyUnicode_Check(key.ptr()))
            throw nb::type_error("columns: expected string keys");
        const std::string name = nb::cast<std::string>(key);
        if (!PyList_Check(value.ptr()))
            throw nb::type_error(("columns['" + name + "']: expected a list, got " +
                                  nb::cast<std::string>(nb::type_name(value.type())))
                                     .c_str());
        const Py_ssize_t len = PyList_Size(value.ptr());
        if (n >= 0 && len != n)
            throw nb::value_error(("columns['" + name + "']: expected " + std::to_string(n) +
                                   " values like the first column, got " + std::to_string(len))
                                      .c_str());
        n = len;
        cols.emplace_back(key, value);
    }
    if (n < 0) throw nb::value_error("columns: expected at least one column");
    if (!shared.is_none() && !PyDict_Check(shared.ptr())) throw nb::type_error("shared: expected a dict or None");

    // Objects are made as object.__new__(cls) makes them, so only classes whose __new__ is
    // object's qualify; their __init__ is not run: the caller supplies every attribute.
    newfunc make = nullptr;
    if (!cls.is_none()) {
        if (!PyType_Check(cls.ptr())) throw nb::type_error("cls: expected a class or None");
        make = reinterpret_cast<newfunc>(PyType_GetSlot(reinterpret_cast<PyTypeObject*>(cls.ptr()), Py_tp_new));
        if (make != reinterpret_cast<newfunc>(PyType_GetSlot(&PyBaseObject_Type, Py_tp_new)))
            throw nb::type_error("cls: expected a class without its own __new__");
    }
    nb::tuple no_args;
    nb::list out = nb::steal<nb::list>(PyList_New(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
        nb::object item;
        if (make != nullptr && getenv("RECATTR")) {
            item = nb::steal(make(reinterpret_cast<PyTypeObject*>(cls.ptr()), no_args.ptr(), nullptr));
            if (!item.is_valid()) throw nb::python_error();
            if (!shared.is_none()) {
                PyObject *k, *v; Py_ssize_t pos = 0;
                while (PyDict_Next(shared.ptr(), &pos, &k, &v))
                    if (PyObject_GenericSetAttr(item.ptr(), k, v) < 0) throw nb::python_error();
            }
            for (const auto& [key, col] : cols) {
                PyObject* v = PyList_GetItem(col.ptr(), i);
                if (v == nullptr || PyObject_GenericSetAttr(item.ptr(), key.ptr(), v) < 0) throw nb::python_error();
            }
        } else {
        // A copy of `shared` clones its table in one step (keys kept in its order); the columns
        // then overwrite or add their keys.
        nb::object d = nb::steal(shared.is_none() ? PyDict_New() : PyDict_Copy(shared.ptr()));
        if (!d.is_valid()) throw nb::python_error();
        for (const auto& [key, col] : cols) {
            PyObject* v = PyList_GetItem(col.ptr(), i);  // borrowed; lengths were checked
            if (v == nullptr || PyDict_SetItem(d.ptr(), key.ptr(), v) < 0) throw nb::python_error();
        }
        item = d;
        if (make != nullptr) {
            item = nb::steal(make(reinterpret_cast<PyTypeObject*>(cls.ptr()), no_args.ptr(), nullptr));
            if (!item.is_valid() || PyObject_GenericSetDict(item.ptr(), d.ptr(), nullptr) < 0)
                throw nb::python_error();
        }
        }
        PyList_SetItem(out.ptr(), i, item.release().ptr());  // steals; slot i was empty
    }
    return out;
}

}  // namespace

void bind_records(nb::module_& m) {
    m.def("records", &records, "cls"_a.none(), "columns"_a, "shared"_a = nb::none(),
          "Object i has __dict__ {**shared, key: column[i] for each column} (every column a list of "
          "the same length; shared values are the same objects in every record): a plain dict when cls is None, else an instance of cls made by object.__new__ "
          "without running __init__ (frozen dataclasses included).");
}

}  // namespace dcn
