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

    // Only classes whose __new__ is object's qualify; their __init__ is not run: the caller
    // supplies every attribute. Objects come from the type's allocator, as object.__new__ gets
    // them (without the attribute array 3.11's would set up for nothing). Up to 3.12 each gets
    // a ready dict as its __dict__; 3.13 keeps attributes inline and, replacing the __dict__ of
    // such an object, still reads the inline ones (3.13.0), so there they are set through the
    // object's own dict, as copy and pickle restore state.
#if PY_VERSION_HEX >= 0x030B0000
    const bool own_dict = Py_Version >= 0x030D0000;  // the running Python (abi3: any >= 3.12)
#else
    const bool own_dict = false;
#endif
    PyTypeObject* type = nullptr;
    allocfunc alloc = nullptr;
    if (!cls.is_none()) {
        if (!PyType_Check(cls.ptr())) throw nb::type_error("cls: expected a class or None");
        type = reinterpret_cast<PyTypeObject*>(cls.ptr());
        if (PyType_GetSlot(type, Py_tp_new) != PyType_GetSlot(&PyBaseObject_Type, Py_tp_new))
            throw nb::type_error("cls: expected a class without its own __new__");
        if (PyType_GetFlags(type) & Py_TPFLAGS_IS_ABSTRACT)
            throw nb::type_error("cls: expected a concrete class, got an abstract one");
        alloc = reinterpret_cast<allocfunc>(PyType_GetSlot(type, Py_tp_alloc));
    }
    nb::list out = nb::steal<nb::list>(PyList_New(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
        nb::object item, d;
        if (type != nullptr) {
            item = nb::steal(alloc(type, 0));
            if (!item.is_valid()) throw nb::python_error();
        }
        if (type != nullptr && own_dict) {
            d = nb::steal(PyObject_GenericGetDict(item.ptr(), nullptr));  // AttributeError: none
            if (d.is_valid() && !shared.is_none() && PyDict_Update(d.ptr(), shared.ptr()) < 0) throw nb::python_error();
        } else {  // a copy of `shared` clones its table in one step (keys kept in its order)
            d = nb::steal(shared.is_none() ? PyDict_New() : PyDict_Copy(shared.ptr()));
        }
        if (!d.is_valid()) throw nb::python_error();
        for (const auto& [key, col] : cols) {  // the columns overwrite or add their keys
            PyObject* v = PyList_GetItem(col.ptr(), i);  // borrowed; lengths were checked
            if (v == nullptr || PyDict_SetItem(d.ptr(), key.ptr(), v) < 0) throw nb::python_error();
        }
        if (type == nullptr) {
            item = d;
        } else if (!own_dict && PyObject_GenericSetDict(item.ptr(), d.ptr(), nullptr) < 0) {
            throw nb::python_error();  // AttributeError: no __dict__
        }
        PyList_SetItem(out.ptr(), i, item.release().ptr());  // steals; slot i was empty
    }
    return out;
}

}  // namespace

void bind_records(nb::module_& m) {
    m.def("records", &records, "cls"_a.none(), "columns"_a, "shared"_a = nb::none(),
          "Object i has __dict__ {**shared, key: column[i] for each column} (every column a list of "
          "the same length; shared values are the same objects in every record): a plain dict when cls "
          "is None, else an instance of cls made as object.__new__ makes it, without running __init__ "
          "(frozen dataclasses included).");
}

}  // namespace dcn
