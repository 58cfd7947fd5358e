/* Merging one field's terms of several segments in C: the compiled twin of the
 * loop arsearch.engine.writer runs over _segment_terms, _merge_terms and
 * _encoded for a merge without deleted documents (TermPoolWriter._field_postings).
 *
 * A segment's term table is Whoosh's ordered hash file: entries of a signed
 * big-endian key length and value length (struct "!ii"), the key (two bytes of
 * field id, then the term) and the value (the term info; for postings kept
 * apart, byte 0 is 0 and bytes 23-34 are the postings' offset and length,
 * "!qi"). Each source is one segment's entries of the field, read front to back
 * through its `get(position, length)` in windows, as is its postings file.
 *
 * Terms come out in the order heapq.merge gives them (by term bytes; a term of
 * several segments in segment order), in lists of up to `chunk`, each
 *   (term, statistics, posting bytes)   as _encoded gives them, or
 *   (term, None, [(source, term info), ...])   for the caller's own path,
 * the second wherever the Python loop would not take the compiled calls: a term
 * whose postings are inlined, or that `decode` or `encode` declines, or whose
 * parts are out of order (the caller then gives the result or raises its own
 * error). `decode` and `encode` are _cread.decode and _cwrite.encode_postings,
 * called with the same arguments as blocks.shift_postings (one segment) or
 * blocks.decoded_postings and encode_postings (several) call them.
 *
 * A short read (a damaged table or postings file) raises ValueError.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define INFO_EXTENT 23      /* W3TermInfo's struct size: the extent follows it */
#define INFO_SIZE (INFO_EXTENT + 12)

typedef struct {
    PyObject *get;          /* the file's get(position, length) */
    PyObject *data;         /* bytes read from `start` on */
    long long start;
} Window;

typedef struct {
    Window table, postings;
    long long pos, end;     /* the next entry of the table, and where its data ends */
    unsigned char prefix[2];
    PyObject *base;         /* int: this segment's first docnum in the new one */
    PyObject *key;          /* bytes: the current term (no field id), NULL: none read */
    PyObject *info;         /* bytes: its term info */
    int done;
} Source;

typedef struct {
    PyObject_HEAD
    Source *sources;
    Py_ssize_t count, chunk, ahead;
    PyObject *fixedsize, *lengths, *blocklimit, *compression, *min_compress;
    PyObject *decode, *encode, *compress, *decompress, *array_type, *zero;
} Merged;

static PyTypeObject MergedType;

static long long
be64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return (long long)v;
}

static long long
be32(const unsigned char *p)
{
    return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8)
                     | (uint32_t)p[3]);
}

/* `length` bytes at `position` of the window's file, read ahead by `ahead`; NULL
 * with ValueError if the file ends first. */
static const unsigned char *
window_get(Window *w, long long position, Py_ssize_t length, Py_ssize_t ahead)
{
    PyObject *data;
    if (w->data != NULL && position >= w->start
        && position + length <= w->start + PyBytes_GET_SIZE(w->data))
        return (const unsigned char *)PyBytes_AS_STRING(w->data) + (position - w->start);
    data = PyObject_CallFunction(w->get, "Ln", position, length > ahead ? length : ahead);
    if (data == NULL)
        return NULL;
    if (!PyBytes_Check(data) || PyBytes_GET_SIZE(data) < length) {
        Py_DECREF(data);
        PyErr_Format(PyExc_ValueError, "a term table or postings file ends early (at %lld)",
                     position);
        return NULL;
    }
    Py_XSETREF(w->data, data);
    w->start = position;
    return (const unsigned char *)PyBytes_AS_STRING(data);
}

/* Read the source's next entry into key/info unless it holds one or is done. */
static int
load(Merged *m, Source *s)
{
    const unsigned char *p;
    long long keylen, datalen;
    if (s->done || s->key != NULL)
        return 0;
    if (s->pos >= s->end) {
        s->done = 1;
        return 0;
    }
    if ((p = window_get(&s->table, s->pos, 8, m->ahead)) == NULL)
        return -1;
    keylen = be32(p);
    datalen = be32(p + 4);
    if (keylen < 0 || datalen < 0 || s->pos + 8 + keylen + datalen > s->end) {
        PyErr_Format(PyExc_ValueError, "a term table entry is damaged (at %lld)", s->pos);
        return -1;
    }
    if ((p = window_get(&s->table, s->pos + 8, (Py_ssize_t)(keylen + datalen), m->ahead)) == NULL)
        return -1;
    if (keylen < 2 || p[0] != s->prefix[0] || p[1] != s->prefix[1]) {
        s->done = 1;  /* the next field's terms */
        return 0;
    }
    s->key = PyBytes_FromStringAndSize((const char *)p + 2, (Py_ssize_t)keylen - 2);
    s->info = PyBytes_FromStringAndSize((const char *)p + keylen, (Py_ssize_t)datalen);
    if (s->key == NULL || s->info == NULL) {
        Py_CLEAR(s->key);
        Py_CLEAR(s->info);
        return -1;
    }
    s->pos += 8 + keylen + datalen;
    return 0;
}

static int
key_cmp(PyObject *a, PyObject *b)
{
    Py_ssize_t la = PyBytes_GET_SIZE(a), lb = PyBytes_GET_SIZE(b);
    int c = memcmp(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), (size_t)(la < lb ? la : lb));
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

/* The posting bytes of a term info kept apart, or NULL (with no error set) for
 * an inlined or short one, which the caller's path takes. */
static PyObject *
postings_of(Merged *m, Source *s)
{
    const unsigned char *info = (const unsigned char *)PyBytes_AS_STRING(s->info), *p;
    long long offset, length;
    if (PyBytes_GET_SIZE(s->info) < INFO_SIZE || info[0] != 0)
        return NULL;
    offset = be64(info + INFO_EXTENT);
    length = be32(info + INFO_EXTENT + 8);
    if (offset < 0 || length < 0)
        return NULL;
    if ((p = window_get(&s->postings, offset, (Py_ssize_t)length, m->ahead)) == NULL)
        return NULL;
    return PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)length);
}

/* decode(raw, fixedsize, base, blocklimit, decompress, array): (docnums, weights,
 * values), or NULL with no error for None or another shape. */
static PyObject *
decoded(Merged *m, PyObject *raw, PyObject *base, PyObject *blocklimit)
{
    PyObject *args[6] = {raw, m->fixedsize, base, blocklimit, m->decompress, m->array_type};
    PyObject *found = PyObject_Vectorcall(m->decode, args, 6, NULL);
    if (found != NULL && !(PyTuple_Check(found) && PyTuple_GET_SIZE(found) == 3)) {
        Py_DECREF(found);
        return NULL;
    }
    return found;
}

/* encode(docnums, weights, values, lengths, blocklimit, compression, fixedsize,
 * min_compress, compress): (posting bytes, statistics), or NULL with no error for
 * None or another shape. */
static PyObject *
encoded(Merged *m, PyObject *docnums, PyObject *weights, PyObject *values)
{
    PyObject *args[9] = {docnums, weights, values, m->lengths, m->blocklimit, m->compression,
                         m->fixedsize, m->min_compress, m->compress};
    PyObject *found = PyObject_Vectorcall(m->encode, args, 9, NULL);
    if (found != NULL && !(PyTuple_Check(found) && PyTuple_GET_SIZE(found) == 2)) {
        Py_DECREF(found);
        return NULL;
    }
    return found;
}

/* First and last docnum of a decoded part's array("I"); -1 if it is empty or not one. */
static int
ends_of(PyObject *docnums, long long *first, long long *last)
{
    Py_buffer view;
    int ok;
    if (PyObject_GetBuffer(docnums, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        return -1;
    }
    ok = view.itemsize == 4 && view.format != NULL && strcmp(view.format, "I") == 0
         && view.len >= 4;
    if (ok) {
        const uint32_t *ids = view.buf;
        *first = ids[0];
        *last = ids[view.len / 4 - 1];
    }
    PyBuffer_Release(&view);
    return ok ? 0 : -1;
}

/* The encoded term of the sources `which` (in source order), or NULL with no
 * error where the caller's path takes the term. */
static PyObject *
merge_term(Merged *m, Py_ssize_t *which, Py_ssize_t n)
{
    PyObject *parts[64] = {NULL}, *found = NULL, *docnums = NULL, *weights = NULL, *values = NULL;
    long long firsts[64], lasts[64];
    Py_ssize_t i, j, got = 0;

    if (n == 1) {
        Source *s = &m->sources[which[0]];
        PyObject *raw = postings_of(m, s), *arrays;
        if (raw == NULL)
            return NULL;
        arrays = decoded(m, raw, s->base, m->blocklimit);
        Py_DECREF(raw);
        if (arrays == NULL)
            return NULL;
        found = encoded(m, PyTuple_GET_ITEM(arrays, 0), PyTuple_GET_ITEM(arrays, 1),
                        PyTuple_GET_ITEM(arrays, 2));
        Py_DECREF(arrays);
        return found;
    }
    if (n > 64)
        return NULL;
    for (i = 0; i < n; i++) {
        Source *s = &m->sources[which[i]];
        PyObject *raw = postings_of(m, s);
        if (raw == NULL)
            goto done;
        parts[got] = decoded(m, raw, s->base, m->zero);
        Py_DECREF(raw);
        if (parts[got] == NULL)
            goto done;
        got++;
        if (ends_of(PyTuple_GET_ITEM(parts[got - 1], 0), &firsts[got - 1], &lasts[got - 1]) < 0)
            goto done;
    }
    /* By first docnum, stably (as list.sort), then each part after the last. */
    for (i = 1; i < n; i++) {
        PyObject *part = parts[i];
        long long first = firsts[i], last = lasts[i];
        for (j = i; j > 0 && firsts[j - 1] > first; j--) {
            parts[j] = parts[j - 1];
            firsts[j] = firsts[j - 1];
            lasts[j] = lasts[j - 1];
        }
        parts[j] = part;
        firsts[j] = first;
        lasts[j] = last;
    }
    for (i = 1; i < n; i++)
        if (firsts[i] < lasts[i - 1])
            goto done;
    docnums = PyTuple_GET_ITEM(parts[0], 0);
    weights = PyTuple_GET_ITEM(parts[0], 1);
    values = PyTuple_GET_ITEM(parts[0], 2);
    Py_INCREF(docnums);
    Py_INCREF(weights);
    Py_INCREF(values);
    for (i = 1; i < n; i++) {
        PyObject *joined;
        if ((joined = PySequence_InPlaceConcat(docnums, PyTuple_GET_ITEM(parts[i], 0))) == NULL)
            goto done;
        Py_SETREF(docnums, joined);
        if ((joined = PySequence_InPlaceConcat(weights, PyTuple_GET_ITEM(parts[i], 1))) == NULL)
            goto done;
        Py_SETREF(weights, joined);
        if ((joined = PySequence_InPlaceConcat(values, PyTuple_GET_ITEM(parts[i], 2))) == NULL)
            goto done;
        Py_SETREF(values, joined);
    }
    found = encoded(m, docnums, weights, values);
done:
    for (i = 0; i < got; i++)
        Py_DECREF(parts[i]);
    Py_XDECREF(docnums);
    Py_XDECREF(weights);
    Py_XDECREF(values);
    return found;
}

/* (term, None, [(source, term info), ...]): the term for the caller's path. */
static PyObject *
handed_back(Merged *m, PyObject *key, Py_ssize_t *which, Py_ssize_t n)
{
    PyObject *parts = PyList_New(n), *item;
    Py_ssize_t i;
    if (parts == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *pair = Py_BuildValue("(nO)", which[i], m->sources[which[i]].info);
        if (pair == NULL) {
            Py_DECREF(parts);
            return NULL;
        }
        PyList_SET_ITEM(parts, i, pair);
    }
    item = PyTuple_Pack(3, key, Py_None, parts);
    Py_DECREF(parts);
    return item;
}

static PyObject *
merged_next(Merged *m)
{
    PyObject *out = PyList_New(0);
    Py_ssize_t *which = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(m->count ? m->count : 1));
    if (out == NULL || which == NULL)
        goto error;
    while (PyList_GET_SIZE(out) < m->chunk) {
        PyObject *least = NULL, *key, *item, *found;
        Py_ssize_t i, n = 0;
        for (i = 0; i < m->count; i++) {
            Source *s = &m->sources[i];
            if (load(m, s) < 0)
                goto error;
            if (s->key == NULL)
                continue;
            if (least == NULL || key_cmp(s->key, least) < 0) {
                least = s->key;
                n = 0;
            }
            if (key_cmp(s->key, least) == 0)
                which[n++] = i;
        }
        if (least == NULL)
            break;
        key = least;
        Py_INCREF(key);
        found = merge_term(m, which, n);
        if (found != NULL) {
            item = PyTuple_Pack(3, key, PyTuple_GET_ITEM(found, 1), PyTuple_GET_ITEM(found, 0));
            Py_DECREF(found);
        }
        else if (PyErr_Occurred()) {
            item = NULL;
        }
        else {
            item = handed_back(m, key, which, n);
        }
        Py_DECREF(key);
        if (item == NULL || PyList_Append(out, item) < 0) {
            Py_XDECREF(item);
            goto error;
        }
        Py_DECREF(item);
        for (i = 0; i < n; i++) {
            Py_CLEAR(m->sources[which[i]].key);
            Py_CLEAR(m->sources[which[i]].info);
        }
    }
    PyMem_Free(which);
    if (PyList_GET_SIZE(out) == 0) {
        Py_DECREF(out);
        return NULL;  /* StopIteration */
    }
    return out;
error:
    PyMem_Free(which);
    Py_XDECREF(out);
    return NULL;
}

static void
clear_sources(Merged *m)
{
    Py_ssize_t i;
    for (i = 0; i < m->count; i++) {
        Source *s = &m->sources[i];
        Py_CLEAR(s->table.get);
        Py_CLEAR(s->table.data);
        Py_CLEAR(s->postings.get);
        Py_CLEAR(s->postings.data);
        Py_CLEAR(s->base);
        Py_CLEAR(s->key);
        Py_CLEAR(s->info);
    }
    PyMem_Free(m->sources);
    m->sources = NULL;
    m->count = 0;
}

static void
merged_dealloc(Merged *m)
{
    clear_sources(m);
    Py_XDECREF(m->fixedsize);
    Py_XDECREF(m->lengths);
    Py_XDECREF(m->blocklimit);
    Py_XDECREF(m->compression);
    Py_XDECREF(m->min_compress);
    Py_XDECREF(m->decode);
    Py_XDECREF(m->encode);
    Py_XDECREF(m->compress);
    Py_XDECREF(m->decompress);
    Py_XDECREF(m->array_type);
    Py_XDECREF(m->zero);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static PyObject *
merged_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *sources, *fixedsize, *lengths, *blocklimit, *compression, *min_compress;
    PyObject *decode, *encode, *compress, *decompress, *array_type;
    Py_ssize_t chunk, ahead, i;
    Merged *m;
    static char *names[] = {"sources", "fixedsize", "lengths", "blocklimit", "compression",
                            "min_compress", "decode", "encode", "compress", "decompress",
                            "array_type", "chunk", "ahead", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OOOOOOOOOOnn", names, &PyList_Type,
                                     &sources, &fixedsize, &lengths, &blocklimit,
                                     &compression, &min_compress, &decode, &encode, &compress,
                                     &decompress, &array_type, &chunk, &ahead))
        return NULL;
    if (chunk < 1 || ahead < 1) {
        PyErr_SetString(PyExc_ValueError, "chunk and ahead must be positive");
        return NULL;
    }
    m = (Merged *)type->tp_alloc(type, 0);
    if (m == NULL)
        return NULL;
    m->chunk = chunk;
    m->ahead = ahead;
#define KEEP(field, value) do { Py_INCREF(value); m->field = value; } while (0)
    KEEP(fixedsize, fixedsize);
    KEEP(lengths, lengths);
    KEEP(blocklimit, blocklimit);
    KEEP(compression, compression);
    KEEP(min_compress, min_compress);
    KEEP(decode, decode);
    KEEP(encode, encode);
    KEEP(compress, compress);
    KEEP(decompress, decompress);
    KEEP(array_type, array_type);
#undef KEEP
    if ((m->zero = PyLong_FromLong(0)) == NULL)
        goto error;
    m->sources = PyMem_Calloc((size_t)(PyList_GET_SIZE(sources) ? PyList_GET_SIZE(sources) : 1),
                              sizeof(Source));
    if (m->sources == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < PyList_GET_SIZE(sources); i++) {
        Source *s = &m->sources[i];
        PyObject *table_get, *postings_get, *base;
        const char *prefix;
        Py_ssize_t prefix_len;
        long long pos, end;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(sources, i), "OLLy#OO;a source is (table get, "
                              "start, end, field prefix, postings get, base)", &table_get,
                              &pos, &end, &prefix, &prefix_len, &postings_get, &base))
            goto error;
        m->count = i + 1;
        if (prefix_len != 2 || !PyLong_Check(base)) {
            PyErr_SetString(PyExc_ValueError, "a field prefix is two bytes, a base an int");
            goto error;
        }
        Py_INCREF(table_get);
        s->table.get = table_get;
        Py_INCREF(postings_get);
        s->postings.get = postings_get;
        Py_INCREF(base);
        s->base = base;
        s->pos = pos;
        s->end = end;
        memcpy(s->prefix, prefix, 2);
    }
    return (PyObject *)m;
error:
    Py_DECREF(m);
    return NULL;
}

PyDoc_STRVAR(merged_doc,
"Merged(sources, fixedsize, lengths, blocklimit, compression, min_compress, decode,\n"
"       encode, compress, decompress, array_type, chunk, ahead)\n"
"--\n\n"
"One field's terms of several segments, merged and encoded, in lists of up to `chunk`\n"
"items: (term, statistics, posting bytes), or (term, None, [(source, term info), ...])\n"
"for a term the caller encodes itself. A source is (table get, start, end, field\n"
"prefix, postings get, base); files are read `ahead` bytes at a time.");

static PyTypeObject MergedType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arsearch.engine._cmerge.Merged",
    .tp_basicsize = sizeof(Merged),
    .tp_dealloc = (destructor)merged_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = merged_doc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)merged_next,
    .tp_new = merged_new,
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_cmerge",
    "Merging a field's terms of several segments (the twin of a loop of "
    "arsearch.engine.writer).",
    -1, NULL,
};

PyMODINIT_FUNC
PyInit__cmerge(void)
{
    PyObject *module;
    if (PyType_Ready(&MergedType) < 0)
        return NULL;
    module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    Py_INCREF(&MergedType);
    if (PyModule_AddObject(module, "Merged", (PyObject *)&MergedType) < 0) {
        Py_DECREF(&MergedType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
