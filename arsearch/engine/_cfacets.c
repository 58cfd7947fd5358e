/* Facet counting in C: the compiled twin of the pair counting in
 * arsearch.engine.columns (Tally.value_counts and Tally._count_ids), and of the
 * dict of a facet's listing (Tally.articles_by_entity).
 *
 * A segment's column is CSR: `offsets` (int64, one more than its documents)
 * and `ids` (int32, a value id per pair, into the segment's dictionary); a
 * `remap` (int64) takes a segment's value ids to the whole index's dictionary
 * (None: the same). The numpy twin gathers every (document, value) pair of the
 * matching documents into arrays and then counts them with a bincount, or a
 * sort of (document, label) keys to count each document once per label. Here
 * the pairs are counted where they lie, with no array of pairs and no sort:
 *
 *   value_counts: counts[remap[ids[p]]] += 1 for every pair p of the documents;
 *   label_counts: out[l] += 1 once per document holding a value whose label
 *                 (label_of[value]) is l >= 0, by remembering in last[l] the
 *                 last document counted for l (a document's pairs are visited
 *                 together, and every document number is distinct).
 *
 * Every index is bounds-checked; one out of range raises IndexError and leaves
 * the counts part-way (the caller's arrays are its own, made for this call).
 * No state is kept between calls.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    Py_buffer view;
    int held;
} Arr;

/* A C-contiguous 1-d buffer of items of `size` bytes (`fmt` its struct kind:
 * 'q' for int64, 'i' for int32), writable if asked. */
static int
get_array(PyObject *obj, Arr *a, Py_ssize_t size, char kind, int writable, const char *name)
{
    const char *format;
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    a->held = 0;
    if (PyObject_GetBuffer(obj, &a->view, flags) < 0)
        return -1;
    a->held = 1;
    format = a->view.format ? a->view.format : "B";
    if (*format == '<' || *format == '=' || *format == '@')
        format++;
    if (a->view.ndim != 1 || a->view.itemsize != size
        || !(format[0] == kind || (kind == 'q' && format[0] == 'l' && size == sizeof(long)))
        || format[1] != '\0') {
        PyErr_Format(PyExc_TypeError, "%s: a 1-d array of %zd-byte integers is needed",
                     name, size);
        return -1;
    }
    return 0;
}

static void
release(Arr *arrays, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (arrays[i].held)
            PyBuffer_Release(&arrays[i].view);
}

#define LEN(a) ((a).view.len / (a).view.itemsize)

/* The segment's arrays: offsets, ids, local, and remap (held 0 when None). */
static int
get_segment(PyObject *offsets, PyObject *ids, PyObject *local, PyObject *remap, Arr *a)
{
    if (get_array(offsets, &a[0], 8, 'q', 0, "offsets") < 0
        || get_array(ids, &a[1], 4, 'i', 0, "ids") < 0
        || get_array(local, &a[2], 8, 'q', 0, "local") < 0)
        return -1;
    if (remap != Py_None && get_array(remap, &a[3], 8, 'q', 0, "remap") < 0)
        return -1;
    return 0;
}

/* The whole-index value id of pair p, or -1 (IndexError set) if out of range. */
static inline int64_t
value_of(const Arr *a, Py_ssize_t p)
{
    int64_t v = ((const int32_t *)a[1].view.buf)[p];
    if (a[3].held) {
        if (v < 0 || v >= LEN(a[3])) {
            PyErr_SetString(PyExc_IndexError, "value id outside the segment's dictionary");
            return -1;
        }
        v = ((const int64_t *)a[3].view.buf)[v];
    }
    if (v < 0) {
        PyErr_SetString(PyExc_IndexError, "negative value id");
        return -1;
    }
    return v;
}

/* The pairs [*lo, *hi) of document number i of `local`; -1 if out of range. */
static inline int
pairs_of(const Arr *a, Py_ssize_t i, Py_ssize_t *lo, Py_ssize_t *hi)
{
    const int64_t *offsets = a[0].view.buf;
    int64_t d = ((const int64_t *)a[2].view.buf)[i];
    if (d < 0 || d + 1 >= LEN(a[0])) {
        PyErr_SetString(PyExc_IndexError, "document outside the segment");
        return -1;
    }
    *lo = (Py_ssize_t)offsets[d];
    *hi = (Py_ssize_t)offsets[d + 1];
    if (*lo < 0 || *hi < *lo || *hi > LEN(a[1])) {
        PyErr_SetString(PyExc_IndexError, "offsets outside the column");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(value_counts_doc,
"value_counts(offsets, ids, local, remap, counts)\n"
"--\n\n"
"Add to counts[v] (int64) the pairs of value v (through remap, or None) of the\n"
"segment's documents `local` (int64).");

static PyObject *
value_counts(PyObject *self, PyObject *args)
{
    PyObject *offsets, *ids, *local, *remap, *counts_obj;
    Arr a[5];
    Py_ssize_t i, p, lo, hi, ncounts;
    int64_t *counts;
    memset(a, 0, sizeof a);
    if (!PyArg_ParseTuple(args, "OOOOO", &offsets, &ids, &local, &remap, &counts_obj))
        return NULL;
    if (get_segment(offsets, ids, local, remap, a) < 0
        || get_array(counts_obj, &a[4], 8, 'q', 1, "counts") < 0)
        goto fail;
    counts = a[4].view.buf;
    ncounts = LEN(a[4]);
    for (i = 0; i < LEN(a[2]); i++) {
        if (pairs_of(a, i, &lo, &hi) < 0)
            goto fail;
        for (p = lo; p < hi; p++) {
            int64_t v = value_of(a, p);
            if (v < 0)
                goto fail;
            if (v >= ncounts) {
                PyErr_SetString(PyExc_IndexError, "value id outside the counts");
                goto fail;
            }
            counts[v]++;
        }
    }
    release(a, 5);
    Py_RETURN_NONE;
fail:
    release(a, 5);
    return NULL;
}

PyDoc_STRVAR(label_counts_doc,
"label_counts(offsets, ids, local, remap, label_of, base, last, out)\n"
"--\n\n"
"Add to out[l] (int64) one per document of `local` (numbered base + its local\n"
"number) holding a value v with label_of[v] == l >= 0; last[l] (int64, -1 at\n"
"first) holds the last document counted for l, across segments.");

static PyObject *
label_counts(PyObject *self, PyObject *args)
{
    PyObject *offsets, *ids, *local, *remap, *label_obj, *last_obj, *out_obj;
    long long base;
    Arr a[7];
    Py_ssize_t i, p, lo, hi, nlabels, width;
    const int64_t *label_of;
    int64_t *last, *out;
    if (!PyArg_ParseTuple(args, "OOOOOLOO", &offsets, &ids, &local, &remap, &label_obj,
                          &base, &last_obj, &out_obj))
        return NULL;
    memset(a, 0, sizeof a);
    if (get_segment(offsets, ids, local, remap, a) < 0
        || get_array(label_obj, &a[4], 8, 'q', 0, "label_of") < 0
        || get_array(last_obj, &a[5], 8, 'q', 1, "last") < 0
        || get_array(out_obj, &a[6], 8, 'q', 1, "out") < 0)
        goto fail;
    label_of = a[4].view.buf;
    nlabels = LEN(a[4]);
    last = a[5].view.buf;
    out = a[6].view.buf;
    width = LEN(a[6]);
    if (LEN(a[5]) != width) {
        PyErr_SetString(PyExc_ValueError, "last and out differ in length");
        goto fail;
    }
    for (i = 0; i < LEN(a[2]); i++) {
        int64_t doc = (int64_t)base + ((const int64_t *)a[2].view.buf)[i];
        if (pairs_of(a, i, &lo, &hi) < 0)
            goto fail;
        for (p = lo; p < hi; p++) {
            int64_t v = value_of(a, p), label;
            if (v < 0)
                goto fail;
            if (v >= nlabels) {
                PyErr_SetString(PyExc_IndexError, "value id outside label_of");
                goto fail;
            }
            label = label_of[v];
            if (label < 0)
                continue;
            if (label >= width) {
                PyErr_SetString(PyExc_IndexError, "label outside out");
                goto fail;
            }
            if (last[label] != doc) {
                last[label] = doc;
                out[label]++;
            }
        }
    }
    release(a, 7);
    Py_RETURN_NONE;
fail:
    release(a, 7);
    return NULL;
}

PyDoc_STRVAR(listing_doc,
"listing(texts, order, counts)\n"
"--\n\n"
"{texts[l]: counts[l] for l in order} (texts a list of str, order and counts int64):\n"
"a facet's listing, made at its size at once (tens of thousands of names).");

static PyObject *
listing(PyObject *self, PyObject *args)
{
    PyObject *texts, *order_obj, *counts_obj, *out = NULL;
    Arr a[2];
    Py_ssize_t i, n, ntexts;
    const int64_t *order, *counts;
    memset(a, 0, sizeof a);
    if (!PyArg_ParseTuple(args, "O!OO", &PyList_Type, &texts, &order_obj, &counts_obj))
        return NULL;
    if (get_array(order_obj, &a[0], 8, 'q', 0, "order") < 0
        || get_array(counts_obj, &a[1], 8, 'q', 0, "counts") < 0)
        goto done;
    order = a[0].view.buf;
    counts = a[1].view.buf;
    n = LEN(a[0]);
#if PY_VERSION_HEX < 0x030D0000
    out = _PyDict_NewPresized(n);
#else
    out = PyDict_New();
#endif
    if (out == NULL)
        goto done;
    ntexts = PyList_GET_SIZE(texts);
    for (i = 0; i < n; i++) {
        int64_t label = order[i];
        PyObject *count;
        int failed;
        if (label < 0 || label >= ntexts || label >= LEN(a[1])) {
            PyErr_SetString(PyExc_IndexError, "label outside the texts or counts");
            Py_CLEAR(out);
            goto done;
        }
        count = PyLong_FromLongLong(counts[label]);
        if (count == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        failed = PyDict_SetItem(out, PyList_GET_ITEM(texts, label), count) < 0;
        Py_DECREF(count);
        if (failed) {
            Py_CLEAR(out);
            goto done;
        }
    }
done:
    release(a, 2);
    return out;
}

static PyMethodDef methods[] = {
    {"listing", listing, METH_VARARGS, listing_doc},
    {"value_counts", value_counts, METH_VARARGS, value_counts_doc},
    {"label_counts", label_counts, METH_VARARGS, label_counts_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cfacets",
    "Facet counting over segment columns (the twin of arsearch.engine.columns).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__cfacets(void)
{
    return PyModule_Create(&module);
}
