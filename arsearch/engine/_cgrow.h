/* A growing PyMem array, shared by the engine's C extensions (_cread.c, _cwrite.c).
 *
 * grow() makes room for `need` items of `size` bytes in *items (capacity *cap),
 * doubling from 64; on overflow or a failed allocation it sets MemoryError and
 * returns -1, leaving *items and *cap as they were.
 */
#ifndef ARSEARCH_CGROW_H
#define ARSEARCH_CGROW_H

#include <Python.h>

static int
grow(void **items, Py_ssize_t *cap, Py_ssize_t need, size_t size)
{
    Py_ssize_t wanted;
    void *grown;
    if (need <= *cap)
        return 0;
    wanted = *cap ? *cap : 64;
    while (wanted < need) {
        if (wanted > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return -1;
        }
        wanted *= 2;
    }
    if ((size_t)wanted > (size_t)PY_SSIZE_T_MAX / size) {
        PyErr_NoMemory();
        return -1;
    }
    grown = PyMem_Realloc(*items, (size_t)wanted * size);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *items = grown;
    *cap = wanted;
    return 0;
}

#endif
