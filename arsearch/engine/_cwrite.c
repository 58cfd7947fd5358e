/* Segment writing in C: the compiled twin of arsearch.engine.writer.TermPool._pure_add_slots
 * and arsearch.engine.blocks._pure_encode_postings.
 *
 * add_slots reads a pre-analyzed field value ('a b|c d') into a TermPool's
 * per-term postings (a Postings of C arrays per new term; iterated, it gives
 * the twin's (array('I'), array('d'), list)); encode_postings writes a term's
 * W3 posting blocks and its term-table statistics, from arrays or from a
 * Postings where it lies. Both give exactly the objects and bytes of their
 * pure-Python twins (tests/engine/test_cwrite.py compares them). The block
 * pickles are written opcode by opcode as CPython's _pickle writes these
 * fixed shapes (protocol 5 for a block's data, 2 for its header and for
 * Whoosh's position lists). Where an input falls outside the shapes handled
 * here (a value that is not bytes, an int past 32 bits, a pickle past one
 * frame, a statistic that overflows a float), encode_postings returns None
 * and the caller runs the twin, which gives the result or the exception.
 *
 * No state is kept between calls (a Postings is the caller's); the module state
 * holds interned names only.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_cgrow.h"

/* whoosh.util.numeric._length_byte_cache: byte -> the length it stands for. */
static const long long LENGTH_OF_BYTE[256] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12,
    13, 14, 16, 17, 18, 20, 21, 23, 25, 26, 28, 30,
    32, 34, 36, 38, 40, 42, 45, 47, 49, 52, 54, 57,
    60, 63, 66, 69, 72, 75, 79, 82, 86, 89, 93, 97,
    101, 106, 110, 114, 119, 124, 129, 134, 139, 145, 150, 156,
    162, 169, 175, 182, 189, 196, 203, 211, 219, 227, 235, 244,
    253, 262, 271, 281, 291, 302, 313, 324, 336, 348, 360, 373,
    386, 399, 414, 428, 443, 459, 475, 491, 508, 526, 544, 563,
    583, 603, 623, 645, 667, 690, 714, 738, 763, 789, 816, 844,
    873, 903, 933, 965, 998, 1032, 1066, 1103, 1140, 1178, 1218, 1259,
    1302, 1345, 1391, 1438, 1486, 1536, 1587, 1641, 1696, 1753, 1811, 1872,
    1935, 1999, 2066, 2135, 2207, 2280, 2356, 2435, 2516, 2600, 2687, 2777,
    2869, 2965, 3063, 3165, 3271, 3380, 3492, 3608, 3728, 3852, 3980, 4112,
    4249, 4390, 4536, 4686, 4842, 5002, 5168, 5340, 5517, 5700, 5889, 6084,
    6286, 6494, 6709, 6932, 7161, 7398, 7643, 7897, 8158, 8428, 8707, 8995,
    9293, 9601, 9918, 10247, 10586, 10936, 11298, 11671, 12057, 12456, 12868, 13294,
    13733, 14187, 14656, 15141, 15641, 16159, 16693, 17244, 17814, 18403, 19011, 19640,
    20289, 20959, 21652, 22367, 23106, 23869, 24658, 25472, 26314, 27183, 28081, 29009,
    29967, 30957, 31979, 33035, 34126, 35254, 36418, 37620, 38863, 40146, 41472, 42841,
    44256, 45717, 47227, 48786, 50397, 52061, 53780, 55556, 57390, 59285, 61242, 63264,
    65352, 67510, 69739, 72041, 74419, 76876, 79414, 82035, 84743, 87541, 90430, 93416,
    96499, 99684, 102975, 106374,
};

/* Names interned once per module object (read-only after the module is made). */
typedef struct {
    PyObject *append;  /* "append" */
    PyObject *bar;     /* the ALTERNATIVES separator "|" */
} ModuleState;

#define UNSUPPORTED 1  /* a helper's answer: not a shape handled here (the twin decides) */
#define GAP_CHAR 0x00B6
#define BAR_CHAR '|'
#define TERM_BYTES 400
#define VALUE_OVERHEAD 33
#define LIST_BATCH 1000          /* pickle's BATCHSIZE for list items */
#define FRAME_TARGET 65536       /* pickle's FRAME_SIZE_TARGET: one frame below it */
#define LONGEST_BYTE_LENGTH 106374

/* ---- a growing byte buffer ---- */

typedef struct {
    unsigned char *data;
    Py_ssize_t len;
    Py_ssize_t cap;
} Buf;

static int
buf_grow(Buf *b, Py_ssize_t extra)
{
    if (extra > PY_SSIZE_T_MAX - b->len) {
        PyErr_NoMemory();
        return -1;
    }
    return grow((void **)&b->data, &b->cap, b->len + extra, 1);
}

static int
buf_put(Buf *b, const void *src, Py_ssize_t n)
{
    if (n <= 0)
        return 0;
    if (buf_grow(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, src, (size_t)n);
    b->len += n;
    return 0;
}

static int
buf_byte(Buf *b, unsigned char c)
{
    if (b->len < b->cap) {
        b->data[b->len++] = c;
        return 0;
    }
    return buf_put(b, &c, 1);
}

static void
buf_free(Buf *b)
{
    PyMem_Free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* ---- pickle opcodes, as CPython's _pickle writes them ---- */

/* An int: BININT1, BININT2 or BININT; UNSUPPORTED past 32 bits (pickle writes LONG1). */
static int
pickle_int(Buf *b, long long v)
{
    unsigned char out[5];
    if (v >= 0 && v < 256) {
        out[0] = 'K';
        out[1] = (unsigned char)v;
        return buf_put(b, out, 2);
    }
    if (v >= 0 && v < 65536) {
        out[0] = 'M';
        out[1] = (unsigned char)(v & 0xff);
        out[2] = (unsigned char)((v >> 8) & 0xff);
        return buf_put(b, out, 3);
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
        out[0] = 'J';
        put_le32(out + 1, (uint32_t)(int32_t)v);
        return buf_put(b, out, 5);
    }
    return UNSUPPORTED;
}

/* A float: BINFLOAT, big-endian IEEE double. */
static int
pickle_float(Buf *b, double x)
{
    unsigned char out[9];
    out[0] = 'G';
    if (PyFloat_Pack8(x, (char *)out + 1, 0) < 0)
        return -1;
    return buf_put(b, out, 9);
}

/* Protocol 3+ bytes: SHORT_BINBYTES or BINBYTES (the caller keeps under one frame). */
static int
pickle_bytes(Buf *b, const char *data, Py_ssize_t n)
{
    unsigned char out[5];
    if (n <= 0xff) {
        out[0] = 'C';
        out[1] = (unsigned char)n;
        if (buf_put(b, out, 2) < 0)
            return -1;
    }
    else if ((unsigned long long)n <= 0xffffffffULL) {
        out[0] = 'B';
        put_le32(out + 1, (uint32_t)n);
        if (buf_put(b, out, 5) < 0)
            return -1;
    }
    else
        return UNSUPPORTED;
    return buf_put(b, data, n);
}

/* The end of a tuple of n (>= 1) items: TUPLE1-3, or TUPLE after a MARK written before them. */
static int
pickle_tuple_end(Buf *b, Py_ssize_t n)
{
    static const unsigned char small[4] = {0, 0x85, 0x86, 0x87};
    return buf_byte(b, n <= 3 ? small[n] : 't');
}

/* whoosh.util.numeric.length_to_byte (an int length; None is 0, handled by the callers). */
static int
length_byte(long long length)
{
    int lo = 0, hi = 256;
    if (length >= LONGEST_BYTE_LENGTH)
        return 255;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (LENGTH_OF_BYTE[mid] < length)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Whoosh's Positions.encode: pack_uint(count) + pickle.dumps(deltas, 2). */
static int
encode_positions(Buf *b, const Py_ssize_t *positions, Py_ssize_t count)
{
    static const unsigned char head[5] = {0x80, 2, ']', 'q', 0};
    unsigned char size[4];
    Py_ssize_t i, base = 0;
    int r;
    if ((unsigned long long)count > 0xffffffffULL)
        return UNSUPPORTED;
    put_be32(size, (uint32_t)count);
    if (buf_put(b, size, 4) < 0 || buf_put(b, head, 5) < 0)
        return -1;
    if (count == 1) {
        if ((r = pickle_int(b, (long long)positions[0])) != 0)
            return r;
        if (buf_byte(b, 'a') < 0)
            return -1;
    }
    else {
        i = 0;
        do {
            Py_ssize_t batch = 0;
            if (buf_byte(b, '(') < 0)
                return -1;
            while (i < count) {
                if ((r = pickle_int(b, (long long)(positions[i] - base))) != 0)
                    return r;
                base = positions[i];
                i++;
                if (++batch == LIST_BATCH)
                    break;
            }
            if (buf_byte(b, 'e') < 0)
                return -1;
        } while (i < count);
    }
    return buf_byte(b, '.');
}

/* ---- Postings: one term's postings in a pool, in C arrays ---- */

/* A term's postings as add_slots appends them: docnums (array('I') items), weights
 * (array('d') items) and value bytes, without a Python object per docnum or weight
 * and with no method call per posting. Iterating it gives the pool's entry
 * (array('I'), array('d'), list of bytes), made afresh each time. It holds only
 * bytes and the array type, so it is in no reference cycle and not tracked by
 * the garbage collector. */
typedef struct {
    PyObject_HEAD
    Py_ssize_t n;
    Py_ssize_t cap;
    uint32_t *docnums;
    double *weights;
    PyObject **values;
    PyObject *array_type;
} Postings;

static PyTypeObject PostingsType;

static Postings *
postings_new(PyObject *array_type)
{
    Postings *p = PyObject_New(Postings, &PostingsType);
    if (p == NULL)
        return NULL;
    p->n = p->cap = 0;
    p->docnums = NULL;
    p->weights = NULL;
    p->values = NULL;
    Py_INCREF(array_type);
    p->array_type = array_type;
    return p;
}

static void
postings_dealloc(Postings *p)
{
    Py_ssize_t i;
    for (i = 0; i < p->n; i++)
        Py_DECREF(p->values[i]);
    PyMem_Free(p->docnums);
    PyMem_Free(p->weights);
    PyMem_Free(p->values);
    Py_XDECREF(p->array_type);
    PyObject_Free(p);
}

/* Appends one posting; takes a new reference to `value` (bytes). */
static int
postings_push(Postings *p, uint32_t docnum, double weight, PyObject *value)
{
    if (p->n == p->cap) {
        Py_ssize_t cap = p->cap ? p->cap * 2 : 4;
        uint32_t *d;
        double *w;
        PyObject **v;
        if (cap > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(double)) {
            PyErr_NoMemory();
            return -1;
        }
        d = PyMem_Realloc(p->docnums, (size_t)cap * sizeof(uint32_t));
        if (d == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        p->docnums = d;
        w = PyMem_Realloc(p->weights, (size_t)cap * sizeof(double));
        if (w == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        p->weights = w;
        v = PyMem_Realloc(p->values, (size_t)cap * sizeof(PyObject *));
        if (v == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        p->values = v;
        p->cap = cap;
    }
    p->docnums[p->n] = docnum;
    p->weights[p->n] = weight;
    Py_INCREF(value);
    p->values[p->n] = value;
    p->n++;
    return 0;
}

/* array_type(code) filled with `size` bytes from `data` (frombytes). */
static PyObject *
filled_array(PyObject *array_type, const char *code, const void *data, Py_ssize_t size)
{
    PyObject *arr = PyObject_CallFunction(array_type, "s", code), *view, *r;
    if (arr == NULL || size == 0)
        return arr;
    view = PyMemoryView_FromMemory((char *)data, size, PyBUF_READ);
    if (view == NULL) {
        Py_DECREF(arr);
        return NULL;
    }
    r = PyObject_CallMethod(arr, "frombytes", "O", view);
    Py_DECREF(view);
    if (r == NULL) {
        Py_DECREF(arr);
        return NULL;
    }
    Py_DECREF(r);
    return arr;
}

/* The pool entry (array('I'), array('d'), list of bytes). */
static PyObject *
postings_entry(Postings *p)
{
    PyObject *ids, *weights, *values, *entry;
    Py_ssize_t i;
    ids = filled_array(p->array_type, "I", p->docnums, p->n * (Py_ssize_t)sizeof(uint32_t));
    weights = ids ? filled_array(p->array_type, "d", p->weights,
                                 p->n * (Py_ssize_t)sizeof(double)) : NULL;
    values = weights ? PyList_New(p->n) : NULL;
    if (values == NULL) {
        Py_XDECREF(ids);
        Py_XDECREF(weights);
        return NULL;
    }
    for (i = 0; i < p->n; i++) {
        Py_INCREF(p->values[i]);
        PyList_SET_ITEM(values, i, p->values[i]);
    }
    PyObject_GC_UnTrack(values);  /* bytes only, as the twin's lists */
    entry = PyTuple_Pack(3, ids, weights, values);
    Py_DECREF(ids);
    Py_DECREF(weights);
    Py_DECREF(values);
    return entry;
}

static PyObject *
postings_iter(Postings *p)
{
    PyObject *entry = postings_entry(p), *it;
    if (entry == NULL)
        return NULL;
    it = PyObject_GetIter(entry);
    Py_DECREF(entry);
    return it;
}

static Py_ssize_t
postings_len(Postings *p)
{
    return p->n;
}

PyDoc_STRVAR(postings_append_doc,
"append(docnum, weight, value)\n"
"--\n\n"
"Add one posting (docnum an int below 2**32, weight a float, value bytes).");

static PyObject *
postings_append(Postings *p, PyObject *const *args, Py_ssize_t nargs)
{
    unsigned long long docnum;
    double weight;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "append takes 3 arguments");
        return NULL;
    }
    docnum = PyLong_AsUnsignedLongLong(args[0]);
    if (docnum == (unsigned long long)-1 && PyErr_Occurred())
        return NULL;
    if (docnum > 0xffffffffULL) {
        PyErr_SetString(PyExc_OverflowError, "docnum past 32 bits");
        return NULL;
    }
    weight = PyFloat_AsDouble(args[1]);
    if (weight == -1.0 && PyErr_Occurred())
        return NULL;
    if (!PyBytes_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "a posting's value must be bytes");
        return NULL;
    }
    if (postings_push(p, (uint32_t)docnum, weight, args[2]) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef postings_methods[] = {
    {"append", (PyCFunction)(void (*)(void))postings_append, METH_FASTCALL,
     postings_append_doc},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods postings_as_sequence = {
    .sq_length = (lenfunc)postings_len,
};

static PyTypeObject PostingsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arsearch.engine._cwrite.Postings",
    .tp_basicsize = sizeof(Postings),
    .tp_dealloc = (destructor)postings_dealloc,
    .tp_as_sequence = &postings_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One term's postings in a pool; iterating gives (array('I'), array('d'), list).",
    .tp_iter = (getiterfunc)postings_iter,
    .tp_methods = postings_methods,
};

/* ---- add_slots ---- */

static int
has_surrogate(PyObject *value)
{
    Py_ssize_t i, n = PyUnicode_GET_LENGTH(value);
    int kind = PyUnicode_KIND(value);
    const void *data = PyUnicode_DATA(value);
    if (kind == PyUnicode_1BYTE_KIND)
        return 0;
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= 0xD800 && c <= 0xDFFF)
            return 1;
    }
    return 0;
}

/* target.append(item), for the entries Python code made (a Postings takes its
 * postings without a call). */
static int
call_append(ModuleState *st, PyObject *target, PyObject *item)
{
    PyObject *args[2] = {target, item};
    PyObject *r;
    if (PyList_CheckExact(target))
        return PyList_Append(target, item);
    r = PyObject_VectorcallMethod(st->append, args, 2, NULL);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* The distinct term texts of one value, without a str per occurrence: an open
 * addressing table of (start, length) in the value, compared code unit by code
 * unit, giving each text's number (its order of first occurrence). */
typedef struct {
    Py_ssize_t *start;  /* -1: an empty slot */
    Py_ssize_t *length;
    Py_ssize_t *number;
    size_t *hash;
    Py_ssize_t mask;
    Py_ssize_t used;
} Texts;

static size_t
texts_hash(const char *data, int kind, Py_ssize_t start, Py_ssize_t length)
{
    /* FNV-1a over the code units' bytes. */
    const unsigned char *p = (const unsigned char *)data + start * kind;
    size_t h = (size_t)0xcbf29ce484222325ULL;
    Py_ssize_t i, n = length * kind;
    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= (size_t)0x100000001b3ULL;
    }
    return h;
}

static void
texts_free(Texts *t)
{
    PyMem_Free(t->start);
    PyMem_Free(t->length);
    PyMem_Free(t->number);
    PyMem_Free(t->hash);
    t->start = t->length = t->number = NULL;
    t->hash = NULL;
}

static int
texts_alloc(Texts *t, Py_ssize_t slots)
{
    Py_ssize_t i;
    t->start = PyMem_Malloc((size_t)slots * sizeof(Py_ssize_t));
    t->length = PyMem_Malloc((size_t)slots * sizeof(Py_ssize_t));
    t->number = PyMem_Malloc((size_t)slots * sizeof(Py_ssize_t));
    t->hash = PyMem_Malloc((size_t)slots * sizeof(size_t));
    if (!t->start || !t->length || !t->number || !t->hash) {
        texts_free(t);
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < slots; i++)
        t->start[i] = -1;
    t->mask = slots - 1;
    t->used = 0;
    return 0;
}

/* The slot of the text value[start:start+length] (hash h): its own, or the empty
 * one it would take. */
static Py_ssize_t
texts_slot(const Texts *t, const char *data, int kind, Py_ssize_t start, Py_ssize_t length,
           size_t h)
{
    Py_ssize_t at = (Py_ssize_t)(h & (size_t)t->mask);
    while (t->start[at] >= 0) {
        if (t->hash[at] == h && t->length[at] == length
            && memcmp(data + t->start[at] * kind, data + start * kind,
                      (size_t)(length * kind)) == 0)
            break;
        at = (at + 1) & t->mask;
    }
    return at;
}

/* Doubles the table when it is half full; -1 (MemoryError) on failure. */
static int
texts_make_room(Texts *t, const char *data, int kind)
{
    Texts bigger;
    Py_ssize_t i;
    if ((t->used + 1) * 2 <= t->mask + 1)
        return 0;
    if (t->mask + 1 > PY_SSIZE_T_MAX / 2 / (Py_ssize_t)sizeof(size_t)) {
        PyErr_NoMemory();
        return -1;
    }
    if (texts_alloc(&bigger, (t->mask + 1) * 2) < 0)
        return -1;
    for (i = 0; i <= t->mask; i++) {
        Py_ssize_t at;
        if (t->start[i] < 0)
            continue;
        at = texts_slot(&bigger, data, kind, t->start[i], t->length[i], t->hash[i]);
        bigger.start[at] = t->start[i];
        bigger.length[at] = t->length[i];
        bigger.number[at] = t->number[i];
        bigger.hash[at] = t->hash[i];
    }
    bigger.used = t->used;
    texts_free(t);
    *t = bigger;
    return 0;
}

PyDoc_STRVAR(add_slots_doc,
"add_slots(terms, value, docnum, field_boost, boost, positional, array_type, frequencies)\n"
"--\n\n"
"TermPool.add_slots for one document's pre-analyzed value: append each term's\n"
"docnum, weight and value bytes to its entry of `terms` (text -> a Postings, made\n"
"for a new term, whose iteration gives (array('I'), array('d'), list); or such a\n"
"tuple). Returns (field length, pool bytes added, postings added),\n"
"or None, before adding anything, for a value of more than 2**31 slots or a NaN\n"
"boost (the twin then runs).");

static PyObject *
cw_add_slots(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    ModuleState *st = (ModuleState *)PyModule_GetState(module);
    PyObject *terms, *value, *docnum, *array_type, *frequencies;
    PyObject *result = NULL;
    Texts slots = {NULL, NULL, NULL, NULL, 0, 0};
    PyObject **texts = NULL;
    Py_ssize_t *occ_text = NULL, *occ_pos = NULL, *counts = NULL, *starts = NULL,
               *positions = NULL;
    Py_ssize_t ntexts = 0, texts_cap = 0, nocc = 0, occ_cap = 0, occ_cap2 = 0;
    Py_ssize_t i, length = 0, size = 0;
    double field_boost, boost;
    uint32_t docnum32;
    int positional;
    Buf encoded = {NULL, 0, 0};

    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "add_slots takes 8 arguments");
        return NULL;
    }
    terms = args[0];
    value = args[1];
    docnum = args[2];
    array_type = args[6];
    frequencies = args[7];
    if (!PyDict_CheckExact(terms) || !PyUnicode_CheckExact(value) || !PyLong_Check(docnum)
        || !PyFloat_CheckExact(args[3]) || !PyFloat_CheckExact(args[4])
        || !PyList_CheckExact(frequencies)) {
        PyErr_SetString(PyExc_TypeError,
                        "add_slots(dict, str, int, float, float, bool, type, list)");
        return NULL;
    }
    field_boost = PyFloat_AS_DOUBLE(args[3]);
    boost = PyFloat_AS_DOUBLE(args[4]);
    positional = PyObject_IsTrue(args[5]);
    if (positional < 0)
        return NULL;
    /* NaN boosts: which NaN a product keeps depends on the operand order C does not pin. */
    if (Py_IS_NAN(field_boost) || Py_IS_NAN(boost))
        Py_RETURN_NONE;
    /* A docnum array('I') does not hold: the twin fails on it as Whoosh's pool would. */
    {
        unsigned long long d = PyLong_AsUnsignedLongLong(docnum);
        if (d == (unsigned long long)-1 && PyErr_Occurred()) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        if (d > 0xffffffffULL)
            Py_RETURN_NONE;
        docnum32 = (uint32_t)d;
    }

    /* value.encode("utf-8") fails on a lone surrogate only: the same error as the twin's. */
    if (has_surrogate(value)) {
        PyObject *check = PyUnicode_AsUTF8String(value);
        if (check == NULL)
            return NULL;
        Py_DECREF(check);
    }
    /* value.split(), then slot.split("|"), without a list for either: each term's
     * text is numbered in the order first seen (as the twin's dict), and made a
     * str once, when first seen. */
    if (texts_alloc(&slots, 64) < 0)
        return NULL;
    {
        Py_ssize_t n = PyUnicode_GET_LENGTH(value), at = 0, position = 0;
        int kind = PyUnicode_KIND(value);
        const void *data = PyUnicode_DATA(value);
        for (;;) {
            Py_ssize_t start, end, piece, k;
            while (at < n && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, at)))
                at++;
            if (at >= n)
                break;
            start = at;
            while (at < n && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, at)))
                at++;
            end = at;
            if (position >= INT32_MAX) {  /* nothing added yet: the twin takes it */
                result = Py_None;
                Py_INCREF(result);
                goto done;
            }
            if (end - start == 1 && PyUnicode_READ(kind, data, start) == GAP_CHAR) {
                position++;
                continue;
            }
            for (piece = start, k = start; k <= end; k++) {
                Py_ssize_t index, at;
                size_t h;
                if (k < end && PyUnicode_READ(kind, data, k) != BAR_CHAR)
                    continue;
                if (texts_make_room(&slots, (const char *)data, kind) < 0)
                    goto done;
                h = texts_hash((const char *)data, kind, piece, k - piece);
                at = texts_slot(&slots, (const char *)data, kind, piece, k - piece, h);
                if (slots.start[at] >= 0) {
                    index = slots.number[at];
                }
                else {
                    PyObject *text;
                    if (grow((void **)&texts, &texts_cap, ntexts + 1, sizeof(PyObject *)) < 0)
                        goto done;
                    text = PyUnicode_Substring(value, piece, k);
                    if (text == NULL)
                        goto done;
                    texts[ntexts] = text;  /* owned: released at done */
                    slots.start[at] = piece;
                    slots.length[at] = k - piece;
                    slots.hash[at] = h;
                    slots.number[at] = ntexts;
                    slots.used++;
                    index = ntexts++;
                }
                piece = k + 1;
                if (grow((void **)&occ_text, &occ_cap, nocc + 1, sizeof(Py_ssize_t)) < 0
                    || grow((void **)&occ_pos, &occ_cap2, nocc + 1, sizeof(Py_ssize_t)) < 0)
                    goto done;
                occ_text[nocc] = index;
                occ_pos[nocc] = position;
                nocc++;
            }
            position++;
        }
    }

    /* Each text's positions, in order: a counting sort of the occurrences by text. */
    if (ntexts) {
        counts = PyMem_Calloc((size_t)ntexts, sizeof(Py_ssize_t));
        starts = PyMem_Calloc((size_t)ntexts + 1, sizeof(Py_ssize_t));
        positions = PyMem_Malloc((size_t)nocc * sizeof(Py_ssize_t));
        if (counts == NULL || starts == NULL || positions == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (i = 0; i < nocc; i++)
            counts[occ_text[i]]++;
        for (i = 0; i < ntexts; i++)
            starts[i + 1] = starts[i] + counts[i];
        memset(counts, 0, (size_t)ntexts * sizeof(Py_ssize_t));
        for (i = 0; i < nocc; i++) {
            Py_ssize_t t = occ_text[i];
            positions[starts[t] + counts[t]++] = occ_pos[i];
        }
    }

    for (i = 0; i < ntexts; i++) {
        PyObject *text = texts[i];
        PyObject *entry, *bytes, *weight;
        int is_postings;
        Py_ssize_t freq = counts[i];
        length += freq;
        entry = PyDict_GetItemWithError(terms, text);
        if (entry == NULL) {
            if (PyErr_Occurred())
                goto done;
            entry = (PyObject *)postings_new(array_type);
            if (entry == NULL)
                goto done;
            if (PyDict_SetItem(terms, text, entry) < 0) {
                Py_DECREF(entry);
                goto done;
            }
            Py_DECREF(entry);  /* `terms` holds it */
            size += TERM_BYTES + 2 * PyUnicode_GET_LENGTH(text);
        }
        is_postings = Py_TYPE(entry) == &PostingsType;
        if (!is_postings && (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 3)) {
            PyErr_SetString(PyExc_TypeError, "a term pool entry is not (docnums, weights, values)");
            goto done;
        }
        Py_INCREF(entry);  /* the appends below may run Python code */
        if (positional) {
            int r;
            encoded.len = 0;
            r = encode_positions(&encoded, positions + starts[i], freq);
            if (r != 0) {
                if (r == UNSUPPORTED)
                    PyErr_SetString(PyExc_OverflowError, "position past 32 bits");
                Py_DECREF(entry);
                goto done;
            }
            bytes = PyBytes_FromStringAndSize((const char *)encoded.data, encoded.len);
            size += encoded.len + VALUE_OVERHEAD;
        }
        else if (freq < PyList_GET_SIZE(frequencies)) {
            bytes = PyList_GET_ITEM(frequencies, freq);
            Py_INCREF(bytes);
        }
        else {
            unsigned char raw[4];
            if ((unsigned long long)freq > 0xffffffffULL) {
                PyErr_SetString(PyExc_OverflowError, "frequency past 32 bits");
                Py_DECREF(entry);
                goto done;
            }
            put_be32(raw, (uint32_t)freq);
            bytes = PyBytes_FromStringAndSize((const char *)raw, 4);
        }
        if (bytes == NULL) {
            Py_DECREF(entry);
            goto done;
        }
        if (is_postings) {
            int failed = postings_push((Postings *)entry, docnum32,
                                       (double)freq * field_boost * boost, bytes) < 0;
            Py_DECREF(bytes);
            Py_DECREF(entry);
            if (failed)
                goto done;
            continue;
        }
        /* An entry the pool made otherwise (add_terms): through its methods. */
        weight = PyFloat_FromDouble((double)freq * field_boost * boost);
        if (weight == NULL
            || call_append(st, PyTuple_GET_ITEM(entry, 0), docnum) < 0
            || call_append(st, PyTuple_GET_ITEM(entry, 1), weight) < 0
            || call_append(st, PyTuple_GET_ITEM(entry, 2), bytes) < 0) {
            Py_XDECREF(weight);
            Py_DECREF(bytes);
            Py_DECREF(entry);
            goto done;
        }
        Py_DECREF(weight);
        Py_DECREF(bytes);
        Py_DECREF(entry);
    }
    result = Py_BuildValue("(nnn)", length, size, ntexts);

done:
    buf_free(&encoded);
    for (i = 0; i < ntexts; i++)
        Py_DECREF(texts[i]);
    PyMem_Free(texts);
    texts_free(&slots);
    PyMem_Free(occ_text);
    PyMem_Free(occ_pos);
    PyMem_Free(counts);
    PyMem_Free(starts);
    PyMem_Free(positions);
    return result;
}

/* ---- encode_postings ---- */

/* Identity memo of one block's pickle: bytes object -> memo index (pickle's BINGET). */
typedef struct {
    PyObject **keys;
    Py_ssize_t *index;
    Py_ssize_t mask;
} Memo;

static Py_ssize_t
memo_slot(const Memo *memo, PyObject *key)
{
    size_t h = ((size_t)(uintptr_t)key >> 4) * (size_t)0x9E3779B97F4A7C15ULL;
    Py_ssize_t at = (Py_ssize_t)(h & (size_t)memo->mask);
    while (memo->keys[at] != NULL && memo->keys[at] != key)
        at = (at + 1) & memo->mask;
    return at;
}

/* A block's values: None (fixedsize 0), their bytes joined (fixedsize > 0), or a
 * tuple of the non-empty ones (otherwise), as _packed_values makes them, pickled. */
static int
pickle_values(Buf *b, PyObject *const *values, Py_ssize_t start, Py_ssize_t n, int mode,
              Memo *memo, Py_ssize_t *memo_count)
{
    Py_ssize_t i, present = 0, total = 0;
    PyObject *v;
    int r;
    if (mode == 0)
        return buf_byte(b, 'N');
    for (i = start; i < start + n; i++) {
        v = values[i];
        if (v == Py_None)
            continue;
        if (!PyBytes_CheckExact(v))
            return UNSUPPORTED;
        if (PyBytes_GET_SIZE(v) == 0)
            continue;
        present++;
        total += PyBytes_GET_SIZE(v);
        if (total >= FRAME_TARGET)
            return UNSUPPORTED;
    }
    if (mode > 0) {
        unsigned char head[5];
        if (total <= 0xff) {
            head[0] = 'C';
            head[1] = (unsigned char)total;
            r = buf_put(b, head, 2);
        }
        else {
            head[0] = 'B';
            put_le32(head + 1, (uint32_t)total);
            r = buf_put(b, head, 5);
        }
        if (r < 0)
            return -1;
        for (i = start; i < start + n; i++) {
            v = values[i];
            if (v != Py_None && buf_put(b, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v)) < 0)
                return -1;
        }
        (*memo_count)++;
        return buf_byte(b, 0x94);
    }
    if (present == 0)
        return buf_byte(b, ')');
    if (present > 3 && buf_byte(b, '(') < 0)
        return -1;
    for (i = start; i < start + n; i++) {
        Py_ssize_t at;
        v = values[i];
        if (v == Py_None || PyBytes_GET_SIZE(v) == 0)
            continue;
        at = memo_slot(memo, v);
        if (memo->keys[at] != NULL) {
            unsigned char get[5];
            Py_ssize_t index = memo->index[at];
            if (index < 256) {
                get[0] = 'h';
                get[1] = (unsigned char)index;
                r = buf_put(b, get, 2);
            }
            else {
                get[0] = 'j';
                put_le32(get + 1, (uint32_t)index);
                r = buf_put(b, get, 5);
            }
            if (r < 0)
                return -1;
            continue;
        }
        if ((r = pickle_bytes(b, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v))) != 0)
            return r;
        if (buf_byte(b, 0x94) < 0)
            return -1;
        memo->keys[at] = v;
        memo->index[at] = (*memo_count)++;
    }
    if (pickle_tuple_end(b, present) < 0)
        return -1;
    (*memo_count)++;
    return buf_byte(b, 0x94);
}

typedef struct {
    Py_buffer ids;
    Py_buffer weights;
    int have_ids, have_weights;
    float *singles;
    Memo memo;
    Buf payload;   /* one block's pickle after its frame header */
    Buf info;      /* one block's header pickle */
    Buf out;       /* the term's posting bytes */
} Work;

static void
work_free(Work *w)
{
    if (w->have_ids)
        PyBuffer_Release(&w->ids);
    if (w->have_weights)
        PyBuffer_Release(&w->weights);
    PyMem_Free(w->singles);
    PyMem_Free(w->memo.keys);
    PyMem_Free(w->memo.index);
    buf_free(&w->payload);
    buf_free(&w->info);
    buf_free(&w->out);
}

/* A 1-D buffer of `itemsize` items with struct format `code`, or 0 (not one). */
static int
typed_buffer(PyObject *obj, Py_buffer *view, const char *code, Py_ssize_t itemsize)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_FORMAT | PyBUF_ND) < 0) {
        PyErr_Clear();
        return 0;
    }
    if (view->ndim != 1 || view->itemsize != itemsize || view->format == NULL
        || strcmp(view->format, code) != 0) {
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

/* A Python int argument as a long long, or 0 with *ok cleared (not an int, or too big). */
static long long
int_arg(PyObject *obj, int *ok)
{
    int overflow = 0;
    long long v;
    if (!PyLong_CheckExact(obj)) {
        *ok = 0;
        return 0;
    }
    v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (overflow || (v == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        *ok = 0;
        return 0;
    }
    return v;
}

PyDoc_STRVAR(encode_postings_doc,
"encode_postings(docnums, weights, values, lengths, blocklimit, compression, fixedsize,\n"
"                min_compress, compress)\n"
"--\n\n"
"blocks.encode_postings with protocol 5 for array('I') docnums, array('d') weights\n"
"and lists of values and lengths, or for a pool's Postings as docnums (weights and\n"
"values unread): (posting bytes, term statistics), or None where\n"
"the input is not of the shapes handled here (the twin then runs).\n"
"`compress` is zlib.compress.");

static PyObject *
cw_encode_postings(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *values, *lengths, *compress, *result = NULL;
    Postings *pooled;
    Work w;
    const uint32_t *ids;
    const double *ws;
    long long blocklimit, compression, fixedsize = -1, min_compress, minlength = 0, maxlength = 0;
    Py_ssize_t count, start, table = 1, memo_count;
    int ok = 1, mode, have_min = 0, r;
    double total = 0.0, maxweight = 0.0;
    uint32_t first = 0, last = 0;
    unsigned char stats[23];
    (void)module;

    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "encode_postings takes 9 arguments");
        return NULL;
    }
    memset(&w, 0, sizeof(w));
    pooled = Py_TYPE(args[0]) == &PostingsType ? (Postings *)args[0] : NULL;
    values = args[2];
    lengths = args[3];
    compress = args[8];
    blocklimit = int_arg(args[4], &ok);
    compression = int_arg(args[5], &ok);
    if (args[6] != Py_None)
        fixedsize = int_arg(args[6], &ok);
    min_compress = int_arg(args[7], &ok);
    if (!ok || blocklimit < 1 || compression < INT32_MIN || compression > INT32_MAX
        || !(pooled != NULL || PyList_CheckExact(values)) || !PyList_CheckExact(lengths))
        Py_RETURN_NONE;
    mode = fixedsize < 0 ? -1 : (fixedsize == 0 ? 0 : 1);
    if (pooled != NULL) {
        /* A pool's Postings: its own arrays (held by `pooled` for the call). */
        Py_INCREF(pooled);
        count = pooled->n;
        if ((unsigned long long)count > 0xffffffffULL)
            goto unsupported;
        ids = pooled->docnums;
        ws = pooled->weights;
    }
    else {
        if (!(w.have_ids = typed_buffer(args[0], &w.ids, "I", 4))
            || !(w.have_weights = typed_buffer(args[1], &w.weights, "d", 8)))
            goto unsupported;
        count = w.ids.len / 4;
        if (w.weights.len / 8 != count || PyList_GET_SIZE(values) != count
            || (unsigned long long)count > 0xffffffffULL)
            goto unsupported;
        ids = (const uint32_t *)w.ids.buf;
        ws = (const double *)w.weights.buf;
    }
    if (blocklimit > count)
        blocklimit = count ? count : 1;
    w.singles = PyMem_Malloc((size_t)blocklimit * sizeof(float));
    while (table < 2 * blocklimit)
        table *= 2;
    w.memo.mask = table - 1;
    w.memo.keys = PyMem_Malloc((size_t)table * sizeof(PyObject *));
    w.memo.index = PyMem_Malloc((size_t)table * sizeof(Py_ssize_t));
    if (w.singles == NULL || w.memo.keys == NULL || w.memo.index == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (buf_put(&w.out, "W3Bl", 4) < 0)
        goto done;

    for (start = 0; start < count; start += (Py_ssize_t)blocklimit) {
        Py_ssize_t n = count - start < blocklimit ? count - start : (Py_ssize_t)blocklimit;
        const uint32_t *bid;
        const double *bw;
        PyObject *const *vals;
        Py_ssize_t i, nlengths = PyList_GET_SIZE(lengths), datalen, size;
        double m, block_sum = 0.0;
        long long block_min = 0, block_max = 0, delta;
        int have_known = 0, all_one = 1, all_same = 1, float_max;
        long long block_compression;
        PyObject *data = NULL;
        unsigned char head[11], sizebytes[4];

        /* Read again at each block: `compress` (Python code) could have changed them. */
        if (pooled != NULL) {
            if (pooled->n != count)
                goto unsupported;
            ids = pooled->docnums;
            ws = pooled->weights;
            vals = pooled->values;
        }
        else {
            if (PyList_GET_SIZE(values) != count)
                goto unsupported;
            vals = PySequence_Fast_ITEMS(values);
        }
        bid = ids + start;
        bw = ws + start;

        m = bw[0];
        for (i = 1; i < n; i++)
            if (bw[i] > m)
                m = bw[i];
        float_max = m > 0;  /* max(0, max(doubles)): the int 0 unless a weight is positive */
        for (i = 0; i < n; i++) {
            w.singles[i] = (float)bw[i];
            if (w.singles[i] != 1.0f)
                all_one = 0;
            if (w.singles[i] != w.singles[0])
                all_same = 0;
            block_sum += (double)w.singles[i];
        }
        if (nlengths) {
            int all_known = (Py_ssize_t)bid[n - 1] < nlengths;
            for (i = 0; i < n; i++) {
                PyObject *item;
                long long v;
                int fits = 1;
                if ((Py_ssize_t)bid[i] >= nlengths) {
                    if (all_known)
                        goto unsupported;  /* the twin's IndexError */
                    continue;
                }
                item = PyList_GET_ITEM(lengths, bid[i]);
                v = int_arg(item, &fits);
                if (!fits)
                    goto unsupported;
                if (v == 0)
                    continue;
                if (!have_known) {
                    block_min = block_max = v;
                    have_known = 1;
                }
                else {
                    if (v < block_min)
                        block_min = v;
                    if (v > block_max)
                        block_max = v;
                }
            }
        }
        total += block_sum;
        if (have_known) {
            if (!have_min || block_min < minlength)
                minlength = block_min;
            have_min = 1;
        }
        else if (have_min)
            goto unsupported;  /* the twin's min(int, None): a TypeError */
        if (block_max > maxlength)
            maxlength = block_max;
        if (float_max && m > maxweight)
            maxweight = m;

        /* The data: pickle.dumps((deltas, weights, values), 5) in one frame. */
        w.payload.len = 0;
        memo_count = 0;
        memset(w.memo.keys, 0, (size_t)table * sizeof(PyObject *));
        if (n > 3 && buf_byte(&w.payload, '(') < 0)
            goto done;
        for (i = 0; i < n; i++) {
            delta = (long long)bid[i] - (i ? (long long)bid[i - 1] : 0);
            if ((r = pickle_int(&w.payload, delta)) != 0)
                goto failed;
        }
        if (pickle_tuple_end(&w.payload, n) < 0 || buf_byte(&w.payload, 0x94) < 0)
            goto done;
        memo_count++;
        if (all_one)
            r = buf_byte(&w.payload, 'N');
        else if (all_same)
            r = pickle_float(&w.payload, (double)w.singles[0]);
        else {
            r = n > 3 ? buf_byte(&w.payload, '(') : 0;
            for (i = 0; r == 0 && i < n; i++)
                r = pickle_float(&w.payload, (double)w.singles[i]);
            if (r == 0)
                r = pickle_tuple_end(&w.payload, n);
            if (r == 0)
                r = buf_byte(&w.payload, 0x94);
            memo_count++;
        }
        if (r != 0)
            goto failed;
        if ((r = pickle_values(&w.payload, vals, start, n, mode, &w.memo, &memo_count)) != 0)
            goto failed;
        if (buf_byte(&w.payload, 0x87) < 0 || buf_byte(&w.payload, 0x94) < 0
            || buf_byte(&w.payload, '.') < 0)
            goto done;
        if (w.payload.len >= FRAME_TARGET)
            goto unsupported;
        head[0] = 0x80;
        head[1] = 5;
        head[2] = 0x95;
        {
            unsigned long long frame = (unsigned long long)w.payload.len;
            for (i = 0; i < 8; i++)
                head[3 + i] = (unsigned char)(frame >> (8 * i));
        }
        datalen = 11 + w.payload.len;
        block_compression = datalen >= min_compress ? compression : 0;
        data = PyBytes_FromStringAndSize(NULL, datalen);
        if (data == NULL)
            goto done;
        memcpy(PyBytes_AS_STRING(data), head, 11);
        memcpy(PyBytes_AS_STRING(data) + 11, w.payload.data, (size_t)w.payload.len);
        if (block_compression) {
            PyObject *level = PyLong_FromLongLong(block_compression);
            PyObject *callargs[2] = {data, level};
            PyObject *packed = level ? PyObject_Vectorcall(compress, callargs, 2, NULL) : NULL;
            Py_XDECREF(level);
            Py_DECREF(data);
            data = packed;
            if (data == NULL)
                goto done;
            if (!PyBytes_CheckExact(data)) {
                Py_DECREF(data);
                goto unsupported;
            }
            datalen = PyBytes_GET_SIZE(data);
        }

        /* The header: pickle.dumps((count, last docnum, max weight, compression,
         * min length byte, max length byte), 2). */
        w.info.len = 0;
        r = buf_put(&w.info, "\x80\x02(", 3);
        if (r == 0)
            r = pickle_int(&w.info, (long long)n);
        if (r == 0)
            r = pickle_int(&w.info, (long long)bid[n - 1]);
        if (r == 0)
            r = float_max ? pickle_float(&w.info, m) : pickle_int(&w.info, 0);
        if (r == 0)
            r = pickle_int(&w.info, block_compression);
        if (r == 0)
            r = pickle_int(&w.info, have_known ? length_byte(block_min) : 0);
        if (r == 0)
            r = pickle_int(&w.info, length_byte(block_max));
        if (r == 0)
            r = buf_put(&w.info, "tq\x00.", 4);
        if (r != 0) {
            Py_DECREF(data);
            goto failed;
        }
        size = w.info.len + datalen;
        if (size > INT32_MAX) {
            Py_DECREF(data);
            goto unsupported;
        }
        if (start == 0)
            first = bid[0];
        last = bid[n - 1];
        put_be32(sizebytes, (uint32_t)(int32_t)(start + n >= count ? -size : size));
        if (buf_put(&w.out, sizebytes, 4) < 0 || buf_put(&w.out, w.info.data, w.info.len) < 0
            || buf_put(&w.out, PyBytes_AS_STRING(data), datalen) < 0) {
            Py_DECREF(data);
            goto done;
        }
        Py_DECREF(data);
        continue;
    failed:
        if (r == UNSUPPORTED)
            goto unsupported;
        goto done;
    }

    /* A NaN's sign and payload depend on the order of the operands of an addition,
     * which C does not pin down: the twin sums these. */
    if (Py_IS_NAN(total))
        goto unsupported;
    /* W3TermInfo's struct "!BfIBBfII". */
    stats[0] = 0;
    if (PyFloat_Pack4(total, (char *)stats + 1, 0) < 0
        || PyFloat_Pack4(maxweight, (char *)stats + 11, 0) < 0) {
        PyErr_Clear();  /* out of a float's range: the twin raises */
        goto unsupported;
    }
    put_be32(stats + 5, (uint32_t)count);
    stats[9] = have_min ? (unsigned char)length_byte(minlength) : 0;
    stats[10] = (unsigned char)length_byte(maxlength);
    put_be32(stats + 15, first);
    put_be32(stats + 19, last);
    result = Py_BuildValue("(y#y#)", (const char *)w.out.data, w.out.len,
                           (const char *)stats, (Py_ssize_t)sizeof(stats));
    goto done;

unsupported:
    result = Py_None;
    Py_INCREF(result);
done:
    work_free(&w);
    Py_XDECREF(pooled);
    return result;
}

/* ---- small helpers exposed for the tests ---- */

PyDoc_STRVAR(position_bytes_doc,
"position_bytes(positions)\n--\n\n"
"Whoosh's Positions.encode of a list of increasing ints (the value bytes add_slots makes).");

static PyObject *
cw_position_bytes(PyObject *module, PyObject *positions)
{
    Py_ssize_t i, n, *items;
    Buf b = {NULL, 0, 0};
    PyObject *result = NULL;
    int r;
    (void)module;
    if (!PyList_CheckExact(positions)) {
        PyErr_SetString(PyExc_TypeError, "position_bytes takes a list of ints");
        return NULL;
    }
    n = PyList_GET_SIZE(positions);
    items = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(Py_ssize_t));
    if (items == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        items[i] = PyLong_AsSsize_t(PyList_GET_ITEM(positions, i));
        if (items[i] == -1 && PyErr_Occurred())
            goto done;
    }
    r = encode_positions(&b, items, n);
    if (r == UNSUPPORTED)
        PyErr_SetString(PyExc_OverflowError, "position past 32 bits");
    else if (r == 0)
        result = PyBytes_FromStringAndSize((const char *)b.data, b.len);
done:
    PyMem_Free(items);
    buf_free(&b);
    return result;
}

PyDoc_STRVAR(length_byte_doc,
"length_byte(length)\n--\n\nwhoosh.util.numeric.length_to_byte of an int.");

static PyObject *
cw_length_byte(PyObject *module, PyObject *length)
{
    long long v;
    int overflow = 0;
    (void)module;
    v = PyLong_AsLongLongAndOverflow(length, &overflow);
    if (v == -1 && PyErr_Occurred())
        return NULL;
    if (overflow)
        return PyLong_FromLong(overflow > 0 ? 255 : 0);
    return PyLong_FromLong(length_byte(v));
}

/* ---- the module ---- */


/* ---- term table entries (OrderedHashWriter) ---- */

/* MD5 (RFC 1321) of a short key: Whoosh hashes each term-table key with it
 * (whoosh.filedb.filetables.md5_hash keeps the digest's low 32 bits). Written
 * here because calling hashlib once per key from C costs more than the
 * digest itself, and no other library is at hand to a bare gcc build. */
static const uint32_t MD5_K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391,
};
static const unsigned char MD5_R[64] = {
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
    5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static void
md5_block(uint32_t h[4], const unsigned char *p)
{
    uint32_t m[16], a = h[0], b = h[1], c = h[2], d = h[3];
    int i;
    for (i = 0; i < 16; i++)
        m[i] = (uint32_t)p[4 * i] | ((uint32_t)p[4 * i + 1] << 8)
               | ((uint32_t)p[4 * i + 2] << 16) | ((uint32_t)p[4 * i + 3] << 24);
    for (i = 0; i < 64; i++) {
        uint32_t f, t;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        }
        else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) & 15;
        }
        else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) & 15;
        }
        else {
            f = c ^ (b | ~d);
            g = (7 * i) & 15;
        }
        t = d;
        d = c;
        c = b;
        f = a + f + MD5_K[i] + m[g];
        b = b + ((f << MD5_R[i]) | (f >> (32 - MD5_R[i])));
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

/* The last four bytes of MD5(data), read big-endian: md5_hash's value. */
static uint32_t
md5_low32(const unsigned char *data, Py_ssize_t n)
{
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    unsigned char tail[128];
    Py_ssize_t whole = n - n % 64, i, rest;
    unsigned long long bits = (unsigned long long)n * 8;
    for (i = 0; i < whole; i += 64)
        md5_block(h, data + i);
    rest = n - whole;
    memset(tail, 0, sizeof tail);
    memcpy(tail, data + whole, (size_t)rest);
    tail[rest] = 0x80;
    rest = rest < 56 ? 64 : 128;
    for (i = 0; i < 8; i++)
        tail[rest - 8 + i] = (unsigned char)(bits >> (8 * i));
    md5_block(h, tail);
    if (rest == 128)
        md5_block(h, tail + 64);
    /* digest bytes 12..15 are h[3] little-endian; read them big-endian */
    return ((h[3] & 0xffu) << 24) | ((h[3] & 0xff00u) << 8) | ((h[3] >> 8) & 0xff00u)
           | (h[3] >> 24);
}

PyDoc_STRVAR(table_entries_doc,
"table_entries(pending, position, last)\n"
"--\n\n"
"The bytes OrderedHashWriter.add writes for each (key, value) of `pending`\n"
"(lists of bytes), the first at file position `position`, after the key `last`:\n"
"(data, hashes, positions, last key), hashes an array('I') of md5_hash values\n"
"and positions an array('q') of the entries' positions, as bytes. None for\n"
"anything else (keys that do not increase, a non-bytes item, an entry past\n"
"the format's 2**31 bytes): the twin then runs.");

static PyObject *
cw_table_entries(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *pending, *last, *result = NULL;
    Buf out = {NULL, 0, 0};
    uint32_t *hashes = NULL;
    int64_t *positions = NULL;
    Py_ssize_t i, n;
    long long position;
    const char *prev;
    Py_ssize_t prevlen;

    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "table_entries takes 3 arguments");
        return NULL;
    }
    pending = args[0];
    last = args[2];
    if (!PyList_CheckExact(pending) || !PyBytes_CheckExact(last) || !PyLong_Check(args[1]))
        Py_RETURN_NONE;
    position = PyLong_AsLongLong(args[1]);
    if (position == -1 && PyErr_Occurred())
        return NULL;
    n = PyList_GET_SIZE(pending);
    hashes = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    positions = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    if (hashes == NULL || positions == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    prev = PyBytes_AS_STRING(last);
    prevlen = PyBytes_GET_SIZE(last);
    for (i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(pending, i), *key, *value;
        Py_ssize_t klen, vlen, common;
        int cmp;
        unsigned char head[8];
        if (!PyTuple_CheckExact(item) || PyTuple_GET_SIZE(item) != 2)
            goto unsupported;
        key = PyTuple_GET_ITEM(item, 0);
        value = PyTuple_GET_ITEM(item, 1);
        if (!PyBytes_CheckExact(key) || !PyBytes_CheckExact(value))
            goto unsupported;
        klen = PyBytes_GET_SIZE(key);
        vlen = PyBytes_GET_SIZE(value);
        if (klen > INT32_MAX || vlen > INT32_MAX)
            goto unsupported;
        common = klen < prevlen ? klen : prevlen;
        cmp = common ? memcmp(PyBytes_AS_STRING(key), prev, (size_t)common) : 0;
        if (cmp < 0 || (cmp == 0 && klen <= prevlen))
            goto unsupported;  /* key <= last: the twin raises */
        positions[i] = position;
        hashes[i] = md5_low32((const unsigned char *)PyBytes_AS_STRING(key), klen);
        put_be32(head, (uint32_t)klen);
        put_be32(head + 4, (uint32_t)vlen);
        if (buf_put(&out, head, 8) < 0 || buf_put(&out, PyBytes_AS_STRING(key), klen) < 0
            || buf_put(&out, PyBytes_AS_STRING(value), vlen) < 0)
            goto done;
        position += 8 + klen + vlen;
        prev = PyBytes_AS_STRING(key);
        prevlen = klen;
        last = key;
    }
    result = Py_BuildValue("(y#y#y#O)", (const char *)(out.data ? out.data : (unsigned char *)""),
                           out.len, (const char *)hashes, n * (Py_ssize_t)sizeof(uint32_t),
                           (const char *)positions, n * (Py_ssize_t)sizeof(int64_t), last);
    goto done;
unsupported:
    result = Py_None;
    Py_INCREF(result);
done:
    buf_free(&out);
    PyMem_Free(hashes);
    PyMem_Free(positions);
    return result;
}

PyDoc_STRVAR(hash_tables_doc,
"hash_tables(hashes, positions, start)\n"
"--\n\n"
"The 256 hash tables HashWriter._write_hashes writes for entries of md5_hash\n"
"values `hashes` (array('I')) at file positions `positions` (array('q')), in\n"
"the order added, the first table at file position `start`: (bytes, directory\n"
"as a list of (position, slots)).");

static PyObject *
cw_hash_tables(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_buffer hb = {0}, pb = {0};
    PyObject *result = NULL, *directory = NULL;
    Py_ssize_t n, i, counts[256] = {0}, starts[257];
    Py_ssize_t *order = NULL;
    unsigned char *table = NULL, *used = NULL;
    long long start;
    Buf out = {NULL, 0, 0};

    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "hash_tables takes 3 arguments");
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &hb, PyBUF_FORMAT) < 0)
        return NULL;
    if (PyObject_GetBuffer(args[1], &pb, PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&hb);
        return NULL;
    }
    start = PyLong_AsLongLong(args[2]);
    if (start == -1 && PyErr_Occurred())
        goto done;
    if (hb.itemsize != 4 || pb.itemsize != 8 || hb.len / 4 != pb.len / 8
        || hb.format == NULL || strcmp(hb.format, "I") != 0
        || pb.format == NULL || strcmp(pb.format, "q") != 0) {
        PyErr_SetString(PyExc_TypeError, "hash_tables(array('I'), array('q'), int)");
        goto done;
    }
    n = hb.len / 4;
    {
        const uint32_t *hashes = (const uint32_t *)hb.buf;
        const int64_t *positions = (const int64_t *)pb.buf;
        Py_ssize_t most = 0, b;
        order = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(Py_ssize_t));
        if (order == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (i = 0; i < n; i++)
            counts[hashes[i] & 255]++;
        starts[0] = 0;
        for (b = 0; b < 256; b++) {
            starts[b + 1] = starts[b] + counts[b];
            if (counts[b] > most)
                most = counts[b];
        }
        {
            Py_ssize_t fill[256];
            memcpy(fill, starts, sizeof fill);
            for (i = 0; i < n; i++)  /* stable: a bucket keeps the order added */
                order[fill[hashes[i] & 255]++] = i;
        }
        table = PyMem_Malloc((size_t)(most ? 2 * most : 1) * 12);
        used = PyMem_Malloc((size_t)(most ? 2 * most : 1));
        directory = PyList_New(256);
        if (table == NULL || used == NULL || directory == NULL) {
            if (directory == NULL)
                goto done;
            PyErr_NoMemory();
            goto done;
        }
        for (b = 0; b < 256; b++) {
            Py_ssize_t slots = 2 * counts[b], k;
            PyObject *entry = Py_BuildValue("(Ln)", start + (long long)out.len, slots);
            if (entry == NULL)
                goto done;
            PyList_SET_ITEM(directory, b, entry);
            if (!slots)
                continue;
            memset(used, 0, (size_t)slots);
            memset(table, 0, (size_t)slots * 12);
            for (k = starts[b]; k < starts[b + 1]; k++) {
                Py_ssize_t e = order[k], slot = (Py_ssize_t)((hashes[e] >> 8) % (uint32_t)slots);
                uint64_t pos = (uint64_t)positions[e];
                unsigned char *cell;
                while (used[slot])
                    slot = (slot + 1) % slots;
                used[slot] = 1;
                cell = table + 12 * slot;
                put_be32(cell, hashes[e]);
                put_be32(cell + 4, (uint32_t)(pos >> 32));
                put_be32(cell + 8, (uint32_t)pos);
            }
            if (buf_put(&out, table, slots * 12) < 0)
                goto done;
        }
    }
    result = Py_BuildValue("(y#O)", (const char *)(out.data ? out.data : (unsigned char *)""),
                           out.len, directory);
done:
    Py_XDECREF(directory);
    buf_free(&out);
    PyMem_Free(order);
    PyMem_Free(table);
    PyMem_Free(used);
    PyBuffer_Release(&hb);
    PyBuffer_Release(&pb);
    return result;
}

static PyMethodDef methods[] = {
    {"add_slots", (PyCFunction)(void (*)(void))cw_add_slots, METH_FASTCALL, add_slots_doc},
    {"encode_postings", (PyCFunction)(void (*)(void))cw_encode_postings, METH_FASTCALL,
     encode_postings_doc},
    {"position_bytes", cw_position_bytes, METH_O, position_bytes_doc},
    {"length_byte", cw_length_byte, METH_O, length_byte_doc},
    {"table_entries", (PyCFunction)(void (*)(void))cw_table_entries, METH_FASTCALL,
     table_entries_doc},
    {"hash_tables", (PyCFunction)(void (*)(void))cw_hash_tables, METH_FASTCALL, hash_tables_doc},
    {NULL, NULL, 0, NULL},
};

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    ModuleState *st = (ModuleState *)PyModule_GetState(module);
    if (st) {
        Py_VISIT(st->append);
        Py_VISIT(st->bar);
    }
    return 0;
}

static int
module_clear(PyObject *module)
{
    ModuleState *st = (ModuleState *)PyModule_GetState(module);
    if (st) {
        Py_CLEAR(st->append);
        Py_CLEAR(st->bar);
    }
    return 0;
}

static void
module_free(void *module)
{
    module_clear((PyObject *)module);
}

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_cwrite",
    "Segment writing in C (the compiled twin of parts of arsearch.engine.writer and .blocks).",
    sizeof(ModuleState),
    methods,
    NULL,
    module_traverse,
    module_clear,
    module_free,
};

PyMODINIT_FUNC
PyInit__cwrite(void)
{
    PyObject *module = PyModule_Create(&module_def);
    ModuleState *st;
    if (module == NULL)
        return NULL;
    if (PyType_Ready(&PostingsType) < 0 || PyModule_AddObjectRef(module, "Postings",
                                                                 (PyObject *)&PostingsType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    st = (ModuleState *)PyModule_GetState(module);
    st->append = PyUnicode_InternFromString("append");
    st->bar = PyUnicode_InternFromString("|");
    if (!st->append || !st->bar) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
