/* Posting reading in C: the compiled twin of arsearch.engine.blocks.block_heads,
 * decode_postings (as writer._renumbered collects it), shift_postings' reading and
 * the block reads of evaluate._postings.
 *
 * A term's posting bytes are b"W3Bl" and blocks; a block is a signed big-endian
 * int (its size, negative for the last), a pickled header (protocol 2: count,
 * last docnum, max weight, compression, min and max length bytes) and the
 * (zlib-compressed if the header says so) pickle of (delta-coded docnums,
 * weights, values). The pickle reader here is no unpickler: it reads only the
 * exact opcode sequences arsearch's writer (protocol 5, _cwrite.c) and Whoosh's
 * (protocol 2, each bytes value a call to _codecs.encode(text, "latin1")) write,
 * keeping pickle's memo as pickle keeps it, and for every other byte sequence
 * (another shape, damaged bytes, a failed decompress, a docnum past 32 bits)
 * answers None: the caller then runs the pure-Python path, which gives the
 * result or raises its own error. It never imports, looks up or calls anything
 * named by the bytes; the only call it makes is the `decompress` it is given
 * (zlib.decompress). Every read is bounds-checked.
 *
 * No state is kept between calls.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_cgrow.h"

#define REJECT 1            /* a helper's answer: not a shape read here (the twin decides) */
#define MEMO_LIMIT 65536    /* a memo index past it is left to the twin (pickle would allocate) */
#define NO_OPCODE 0x100     /* no byte is it (peek gives -1 at the end) */
#define DELTA_LIMIT (1LL << 40)
#define DOCNUM_LIMIT 0xFFFFFFFFLL

#define OP_MARK '('
#define OP_STOP '.'
#define OP_NONE 'N'
#define OP_BININT 'J'
#define OP_BININT1 'K'
#define OP_BININT2 'M'
#define OP_LONG1 0x8a
#define OP_BINFLOAT 'G'
#define OP_EMPTY_TUPLE ')'
#define OP_TUPLE 't'
#define OP_TUPLE1 0x85
#define OP_TUPLE2 0x86
#define OP_TUPLE3 0x87
#define OP_BINPUT 'q'
#define OP_LONG_BINPUT 'r'
#define OP_MEMOIZE 0x94
#define OP_BINGET 'h'
#define OP_LONG_BINGET 'j'
#define OP_SHORT_BINBYTES 'C'
#define OP_BINBYTES 'B'
#define OP_BINUNICODE 'X'
#define OP_SHORT_BINUNICODE 0x8c
#define OP_GLOBAL 'c'
#define OP_REDUCE 'R'
#define OP_PROTO 0x80
#define OP_FRAME 0x95

static const char CODECS_ENCODE[] = "c_codecs\nencode\n";

/* ---- one pickle's reading state ---- */

/* A bytes value: its bytes as stored (`latin` 0), or the UTF-8 of the latin-1
 * text a protocol-2 pickle rebuilds it from (`latin` 1); `obj` once made. */
typedef struct {
    const unsigned char *s;
    Py_ssize_t n;       /* stored length */
    Py_ssize_t size;    /* length of the bytes */
    int latin;
    PyObject *obj;
} Blob;

enum { MEMO_EMPTY = 0, MEMO_OTHER, MEMO_BLOB, MEMO_STR, MEMO_GLOBAL };

typedef struct {
    int kind;
    Py_ssize_t blob;            /* MEMO_BLOB: index in blobs */
    const unsigned char *s;     /* MEMO_STR: its UTF-8 */
    Py_ssize_t n;
} MemoItem;

enum { WEIGHTS_NONE, WEIGHTS_ONE, WEIGHTS_TUPLE };
enum { VALUES_NONE, VALUES_BLOB, VALUES_TUPLE };

typedef struct {
    const unsigned char *p, *end;
    MemoItem *memo;
    Py_ssize_t memo_cap, memo_size, memo_len;
    Blob *blobs;
    Py_ssize_t nblobs, blobs_cap;
    Py_ssize_t *items;          /* a values tuple: indexes in blobs */
    Py_ssize_t nitems, items_cap;
    long long *deltas;
    Py_ssize_t ndeltas, deltas_cap;
    double *weights;
    Py_ssize_t nweights, weights_cap;
    int weights_kind;
    double weight;
    int values_kind;
    Py_ssize_t values_blob;
} Ctx;

static void
ctx_reset(Ctx *c, const unsigned char *data, Py_ssize_t n)
{
    Py_ssize_t i;
    for (i = 0; i < c->nblobs; i++)
        Py_CLEAR(c->blobs[i].obj);
    c->p = data;
    c->end = data + n;
    if (c->memo_size)
        memset(c->memo, 0, (size_t)c->memo_size * sizeof(MemoItem));
    c->memo_size = c->memo_len = 0;
    c->nblobs = c->nitems = c->ndeltas = c->nweights = 0;
}

static void
ctx_free(Ctx *c)
{
    ctx_reset(c, NULL, 0);
    PyMem_Free(c->memo);
    PyMem_Free(c->blobs);
    PyMem_Free(c->items);
    PyMem_Free(c->deltas);
    PyMem_Free(c->weights);
}

static int
peek(const Ctx *c)
{
    return c->p < c->end ? c->p[0] : -1;
}

static Py_ssize_t
left(const Ctx *c)
{
    return c->end - c->p;
}

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* pickle's memo: BINPUT/LONG_BINPUT set slot idx, MEMOIZE the slot numbered by
 * how many are set (_pickle's memo_len); a slot set again is replaced. */
static int
memo_put(Ctx *c, Py_ssize_t idx, const MemoItem *item)
{
    if (idx < 0 || idx >= MEMO_LIMIT)
        return REJECT;
    if (idx >= c->memo_size) {
        if (grow((void **)&c->memo, &c->memo_cap, idx + 1, sizeof(MemoItem)) < 0)
            return -1;
        memset(c->memo + c->memo_size, 0, (size_t)(idx + 1 - c->memo_size) * sizeof(MemoItem));
        c->memo_size = idx + 1;
    }
    if (c->memo[idx].kind == MEMO_EMPTY)
        c->memo_len++;
    c->memo[idx] = *item;
    return 0;
}

/* Any BINPUT, LONG_BINPUT or MEMOIZE after an object: each memoizes it. */
static int
read_puts(Ctx *c, const MemoItem *item)
{
    for (;;) {
        int op = peek(c), r;
        Py_ssize_t idx;
        if (op == OP_BINPUT) {
            if (left(c) < 2)
                return REJECT;
            idx = c->p[1];
            c->p += 2;
        }
        else if (op == OP_LONG_BINPUT) {
            if (left(c) < 5)
                return REJECT;
            idx = (Py_ssize_t)le32(c->p + 1);
            c->p += 5;
        }
        else if (op == OP_MEMOIZE) {
            idx = c->memo_len;
            c->p += 1;
        }
        else
            return 0;
        if ((r = memo_put(c, idx, item)) != 0)
            return r;
    }
}

static int
read_puts_other(Ctx *c)
{
    MemoItem item = {MEMO_OTHER, 0, NULL, 0};
    return read_puts(c, &item);
}

/* BINGET or LONG_BINGET at c->p: the memo slot it names, or NULL (not one, or empty). */
static const MemoItem *
read_get(Ctx *c)
{
    Py_ssize_t idx;
    int op = peek(c);
    if (op == OP_BINGET) {
        if (left(c) < 2)
            return NULL;
        idx = c->p[1];
        c->p += 2;
    }
    else if (op == OP_LONG_BINGET) {
        if (left(c) < 5)
            return NULL;
        idx = (Py_ssize_t)le32(c->p + 1);
        c->p += 5;
    }
    else
        return NULL;
    if (idx >= c->memo_size || c->memo[idx].kind == MEMO_EMPTY)
        return NULL;
    return &c->memo[idx];
}

/* An int: BININT1, BININT2, BININT or LONG1 of at most 8 bytes. */
static int
read_int(Ctx *c, long long *v)
{
    const unsigned char *p = c->p;
    Py_ssize_t n = left(c);
    if (n < 1)
        return REJECT;
    switch (p[0]) {
    case OP_BININT1:
        if (n < 2)
            return REJECT;
        *v = p[1];
        c->p += 2;
        return 0;
    case OP_BININT2:
        if (n < 3)
            return REJECT;
        *v = (long long)p[1] | (long long)p[2] << 8;
        c->p += 3;
        return 0;
    case OP_BININT:
        if (n < 5)
            return REJECT;
        *v = (long long)(int32_t)le32(p + 1);
        c->p += 5;
        return 0;
    case OP_LONG1: {
        uint64_t u = 0;
        int size, i;
        if (n < 2)
            return REJECT;
        size = p[1];
        if (size > 8 || n < 2 + size)
            return REJECT;
        for (i = 0; i < size; i++)
            u |= (uint64_t)p[2 + i] << (8 * i);
        if (size > 0 && size < 8 && (p[1 + size] & 0x80))
            u |= ~(uint64_t)0 << (8 * size);  /* two's complement, as pickle's */
        *v = (long long)u;
        c->p += 2 + size;
        return 0;
    }
    default:
        return REJECT;
    }
}

static int
is_int_op(int op)
{
    return op == OP_BININT1 || op == OP_BININT2 || op == OP_BININT || op == OP_LONG1;
}

/* A float: BINFLOAT (big-endian IEEE double). */
static int
read_float(Ctx *c, double *v)
{
    if (left(c) < 9 || c->p[0] != OP_BINFLOAT)
        return REJECT;
    *v = PyFloat_Unpack8((const char *)c->p + 1, 0);
    if (*v == -1.0 && PyErr_Occurred())
        return -1;
    c->p += 9;
    return 0;
}

/* The opcode that ends a tuple of n items pushed without a MARK (TUPLE1-3). */
static int
counted_tuple_op(Py_ssize_t n)
{
    return n == 1 ? OP_TUPLE1 : n == 2 ? OP_TUPLE2 : n == 3 ? OP_TUPLE3 : NO_OPCODE;
}

/* A tuple of ints (the delta-coded docnums): MARK ints TUPLE, or 1-3 ints and TUPLE1-3. */
static int
read_deltas(Ctx *c)
{
    int marked = peek(c) == OP_MARK, r;
    if (marked)
        c->p++;
    while (is_int_op(peek(c))) {
        if (grow((void **)&c->deltas, &c->deltas_cap, c->ndeltas + 1, sizeof(long long)) < 0)
            return -1;
        if ((r = read_int(c, &c->deltas[c->ndeltas])) != 0)
            return r;
        c->ndeltas++;
    }
    if (c->ndeltas == 0 || peek(c) != (marked ? OP_TUPLE : counted_tuple_op(c->ndeltas)))
        return REJECT;
    c->p++;
    return read_puts_other(c);
}

/* The weights: None, one float, or a tuple of floats (as read_deltas). */
static int
read_weights(Ctx *c)
{
    int marked, r;
    if (peek(c) == OP_NONE) {
        c->p++;
        c->weights_kind = WEIGHTS_NONE;
        return read_puts_other(c);
    }
    marked = peek(c) == OP_MARK;
    if (marked)
        c->p++;
    while (peek(c) == OP_BINFLOAT) {
        if (grow((void **)&c->weights, &c->weights_cap, c->nweights + 1, sizeof(double)) < 0)
            return -1;
        if ((r = read_float(c, &c->weights[c->nweights])) != 0)
            return r;
        c->nweights++;
    }
    if (c->nweights == 0)
        return REJECT;
    if (marked) {
        if (peek(c) != OP_TUPLE)
            return REJECT;
    }
    else if (c->nweights == 1 && peek(c) != OP_TUPLE1) {
        c->weights_kind = WEIGHTS_ONE;  /* one float, not in a tuple */
        c->weight = c->weights[0];
        return read_puts_other(c);
    }
    else if (peek(c) != counted_tuple_op(c->nweights))
        return REJECT;
    c->p++;
    c->weights_kind = WEIGHTS_TUPLE;
    return read_puts_other(c);
}

/* A str (BINUNICODE, SHORT_BINUNICODE, or one from the memo): its UTF-8 bytes. */
static int
read_str(Ctx *c, const unsigned char **s, Py_ssize_t *n)
{
    int op = peek(c);
    if (op == OP_BINUNICODE || op == OP_SHORT_BINUNICODE) {
        Py_ssize_t head = op == OP_BINUNICODE ? 5 : 2, size;
        MemoItem item = {MEMO_STR, 0, NULL, 0};
        if (left(c) < head)
            return REJECT;
        size = op == OP_BINUNICODE ? (Py_ssize_t)le32(c->p + 1) : c->p[1];
        if (size > left(c) - head)
            return REJECT;
        *s = c->p + head;
        *n = size;
        c->p += head + size;
        item.s = *s;
        item.n = size;
        return read_puts(c, &item);
    }
    if (op == OP_BINGET || op == OP_LONG_BINGET) {
        const MemoItem *got = read_get(c);
        MemoItem item;
        if (got == NULL || got->kind != MEMO_STR)
            return REJECT;
        item = *got;  /* a copy: read_puts may move the memo */
        *s = item.s;
        *n = item.n;
        return read_puts(c, &item);
    }
    return REJECT;
}

/* The length of the latin-1 bytes whose UTF-8 `s` is, or -1 when it is not such
 * UTF-8 (pickle fails to decode it, or the stand-in for _codecs.encode fails to
 * encode a character past U+00FF). */
static Py_ssize_t
latin_size(const unsigned char *s, Py_ssize_t n)
{
    Py_ssize_t i = 0, size = 0;
    while (i < n) {
        if (s[i] < 0x80)
            i++;
        else if ((s[i] == 0xC2 || s[i] == 0xC3) && i + 1 < n && (s[i + 1] & 0xC0) == 0x80)
            i += 2;
        else
            return -1;
        size++;
    }
    return size;
}

static void
latin_decode(const unsigned char *s, Py_ssize_t n, unsigned char *out)
{
    Py_ssize_t i = 0;
    while (i < n) {
        if (s[i] < 0x80)
            *out++ = s[i++];
        else {
            *out++ = (unsigned char)(((s[i] & 0x03) << 6) | (s[i + 1] & 0x3F));
            i += 2;
        }
    }
}

static int
new_blob(Ctx *c, const unsigned char *s, Py_ssize_t n, Py_ssize_t size, int latin,
         Py_ssize_t *index)
{
    Blob *b;
    if (grow((void **)&c->blobs, &c->blobs_cap, c->nblobs + 1, sizeof(Blob)) < 0)
        return -1;
    b = &c->blobs[c->nblobs];
    b->s = s;
    b->n = n;
    b->size = size;
    b->latin = latin;
    b->obj = NULL;
    *index = c->nblobs++;
    return 0;
}

/* A bytes object: SHORT_BINBYTES or BINBYTES; _codecs.encode(text, "latin1") (GLOBAL or
 * its memo entry, a tuple of two strs, REDUCE); or one from the memo. */
static int
read_blob(Ctx *c, Py_ssize_t *index)
{
    int op = peek(c), r;
    MemoItem item = {MEMO_BLOB, 0, NULL, 0};
    const unsigned char *text, *encoding;
    Py_ssize_t ntext, nencoding, size;

    if (op == OP_SHORT_BINBYTES || op == OP_BINBYTES) {
        Py_ssize_t head = op == OP_BINBYTES ? 5 : 2;
        if (left(c) < head)
            return REJECT;
        size = op == OP_BINBYTES ? (Py_ssize_t)le32(c->p + 1) : c->p[1];
        if (size > left(c) - head)
            return REJECT;
        if (new_blob(c, c->p + head, size, size, 0, index) < 0)
            return -1;
        c->p += head + size;
        item.blob = *index;
        return read_puts(c, &item);
    }
    if (op == OP_BINGET || op == OP_LONG_BINGET) {
        const MemoItem *got = read_get(c);
        MemoItem known;
        if (got == NULL)
            return REJECT;
        known = *got;  /* a copy: read_puts may move the memo */
        if (known.kind == MEMO_BLOB) {
            *index = known.blob;
            return read_puts(c, &known);
        }
        if (known.kind != MEMO_GLOBAL)
            return REJECT;
        if ((r = read_puts(c, &known)) != 0)
            return r;
    }
    else if (op == OP_GLOBAL) {
        MemoItem global = {MEMO_GLOBAL, 0, NULL, 0};
        Py_ssize_t n = (Py_ssize_t)sizeof(CODECS_ENCODE) - 1;
        if (left(c) < n || memcmp(c->p, CODECS_ENCODE, (size_t)n) != 0)
            return REJECT;
        c->p += n;
        if ((r = read_puts(c, &global)) != 0)
            return r;
    }
    else
        return REJECT;
    /* the arguments: (text, "latin1") */
    if ((r = read_str(c, &text, &ntext)) != 0 || (r = read_str(c, &encoding, &nencoding)) != 0)
        return r;
    if (peek(c) != OP_TUPLE2)
        return REJECT;
    c->p++;
    if ((r = read_puts_other(c)) != 0)
        return r;
    if (peek(c) != OP_REDUCE)
        return REJECT;
    c->p++;
    if (!((nencoding == 6 && memcmp(encoding, "latin1", 6) == 0)
          || (nencoding == 7 && memcmp(encoding, "latin-1", 7) == 0)))
        return REJECT;
    size = latin_size(text, ntext);
    if (size < 0)
        return REJECT;
    if (new_blob(c, text, ntext, size, 1, index) < 0)
        return -1;
    item.blob = *index;
    return read_puts(c, &item);
}

static int
is_blob_op(const Ctx *c)
{
    int op = peek(c);
    return op == OP_SHORT_BINBYTES || op == OP_BINBYTES || op == OP_GLOBAL
           || op == OP_BINGET || op == OP_LONG_BINGET;
}

static int
add_item(Ctx *c, Py_ssize_t blob)
{
    if (grow((void **)&c->items, &c->items_cap, c->nitems + 1, sizeof(Py_ssize_t)) < 0)
        return -1;
    c->items[c->nitems++] = blob;
    return 0;
}

/* The values: None, one bytes object, or a tuple of them. */
static int
read_values(Ctx *c)
{
    Py_ssize_t blob;
    int r, op = peek(c);
    if (op == OP_NONE) {
        c->p++;
        c->values_kind = VALUES_NONE;
        return read_puts_other(c);
    }
    c->values_kind = VALUES_TUPLE;
    if (op == OP_EMPTY_TUPLE) {
        c->p++;
        return read_puts_other(c);
    }
    if (op == OP_MARK) {
        c->p++;
        while (peek(c) != OP_TUPLE) {
            if ((r = read_blob(c, &blob)) != 0 || (r = add_item(c, blob)) != 0)
                return r;
        }
        c->p++;
        return read_puts_other(c);
    }
    /* 1-3 bytes objects and TUPLE1-3, or one bytes object that is the values */
    if ((r = read_blob(c, &blob)) != 0 || (r = add_item(c, blob)) != 0)
        return r;
    if (peek(c) == OP_TUPLE3) {  /* the (deltas, weights, values) tuple's */
        c->values_kind = VALUES_BLOB;
        c->values_blob = blob;
        return 0;
    }
    while (peek(c) != counted_tuple_op(c->nitems)) {
        if (c->nitems == 3 || !is_blob_op(c))
            return REJECT;
        if ((r = read_blob(c, &blob)) != 0 || (r = add_item(c, blob)) != 0)
            return r;
    }
    c->p++;
    return read_puts_other(c);
}

/* One block's data pickle: PROTO 2-5, a FRAME of all the rest if any, (deltas,
 * weights, values), STOP as its last byte. */
static int
read_data(Ctx *c, const unsigned char *data, Py_ssize_t n)
{
    int r;
    ctx_reset(c, data, n);
    if (left(c) < 2 || c->p[0] != OP_PROTO || c->p[1] < 2 || c->p[1] > 5)
        return REJECT;
    c->p += 2;
    if (peek(c) == OP_FRAME) {
        unsigned long long frame = 0;
        int i;
        if (left(c) < 9)
            return REJECT;
        for (i = 0; i < 8; i++)
            frame |= (unsigned long long)c->p[1 + i] << (8 * i);
        c->p += 9;
        if (frame != (unsigned long long)left(c))
            return REJECT;
    }
    if ((r = read_deltas(c)) != 0 || (r = read_weights(c)) != 0 || (r = read_values(c)) != 0)
        return r;
    if (peek(c) != OP_TUPLE3)
        return REJECT;
    c->p++;
    if ((r = read_puts_other(c)) != 0)
        return r;
    if (left(c) != 1 || c->p[0] != OP_STOP)
        return REJECT;
    return 0;
}

/* A blob's bytes object (made once), a new one or a shared one exactly where
 * pickle's would be: BINBYTES makes a new object of any length but 0 (the empty
 * singleton); the latin-1 encoding of a str shares the one-byte ones too. The
 * encoder's memo goes by identity, so a merge's bytes depend on it. */
static PyObject *
blob_object(Blob *b)
{
    if (b->obj == NULL) {
        if (!b->latin) {
            b->obj = PyBytes_FromStringAndSize(NULL, b->n);
            if (b->obj != NULL && b->n)
                memcpy(PyBytes_AS_STRING(b->obj), b->s, (size_t)b->n);
        }
        else if (b->size == 1) {
            unsigned char one;
            latin_decode(b->s, b->n, &one);
            b->obj = PyBytes_FromStringAndSize((const char *)&one, 1);
        }
        else {
            b->obj = PyBytes_FromStringAndSize(NULL, b->size);
            if (b->obj != NULL)
                latin_decode(b->s, b->n, (unsigned char *)PyBytes_AS_STRING(b->obj));
        }
    }
    return b->obj;
}

/* ---- the blocks ---- */

typedef struct {
    long long count, last, compression;
    Py_ssize_t start, end;
} Head;

/* A block header pickle: PROTO 2, MARK, six numbers (ints; the max weight
 * an int or a float), TUPLE, STOP; *after is where it ends. */
static int
read_head(Ctx *c, const unsigned char *p, const unsigned char *end, Head *head,
          const unsigned char **after)
{
    long long fields[6];
    int i, r;
    ctx_reset(c, p, end - p);
    if (left(c) < 3 || c->p[0] != OP_PROTO || c->p[1] != 2 || c->p[2] != OP_MARK)
        return REJECT;
    c->p += 3;
    for (i = 0; i < 6; i++) {
        if (i != 0 && i != 1 && i != 3 && peek(c) == OP_BINFLOAT) {
            double ignored;
            if ((r = read_float(c, &ignored)) != 0)
                return r;
            fields[i] = 0;
        }
        else if ((r = read_int(c, &fields[i])) != 0)
            return r;
    }
    if (peek(c) != OP_TUPLE)
        return REJECT;
    c->p++;
    if ((r = read_puts_other(c)) != 0)
        return r;
    if (peek(c) != OP_STOP)
        return REJECT;
    c->p++;
    head->count = fields[0];
    head->last = fields[1];
    head->compression = fields[3];
    *after = c->p;
    return 0;
}

typedef struct {
    Head *items;
    Py_ssize_t n, cap;
} Heads;

static long
be32s(const unsigned char *p)
{
    return (long)(int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8
                           | (uint32_t)p[3]);
}

/* Every block's head, each block's bytes within `raw`. */
static int
read_heads(Ctx *c, const unsigned char *raw, Py_ssize_t n, Heads *heads)
{
    Py_ssize_t position = 4;
    if (n < 4 || memcmp(raw, "W3Bl", 4) != 0)
        return REJECT;
    for (;;) {
        long size;
        long long magnitude;
        const unsigned char *after;
        Head head;
        int r;
        if (n - position < 4)
            return REJECT;
        size = be32s(raw + position);
        magnitude = size < 0 ? -(long long)size : (long long)size;
        if (magnitude > (long long)(n - position - 4))
            return REJECT;
        head.end = position + 4 + (Py_ssize_t)magnitude;
        if ((r = read_head(c, raw + position + 4, raw + head.end, &head, &after)) != 0)
            return r;
        head.start = after - raw;
        if (grow((void **)&heads->items, &heads->cap, heads->n + 1, sizeof(Head)) < 0)
            return -1;
        heads->items[heads->n++] = head;
        if (size < 0)
            return 0;
        position = head.end;
    }
}

/* The data pickle of block `head` read into `c` (decompressed first if it says so). */
static int
read_block(Ctx *c, const unsigned char *raw, const Head *head, PyObject *decompress,
           PyObject **holder)
{
    const unsigned char *data = raw + head->start;
    Py_ssize_t n = head->end - head->start;
    Py_CLEAR(*holder);
    if (head->compression != 0) {
        PyObject *packed = PyBytes_FromStringAndSize((const char *)data, n);
        if (packed == NULL)
            return -1;
        *holder = PyObject_CallOneArg(decompress, packed);
        Py_DECREF(packed);
        if (*holder == NULL) {
            if (PyErr_ExceptionMatches(PyExc_MemoryError))
                return -1;
            PyErr_Clear();  /* zlib.error: the twin raises it */
            return REJECT;
        }
        if (!PyBytes_CheckExact(*holder))
            return REJECT;
        data = (const unsigned char *)PyBytes_AS_STRING(*holder);
        n = PyBytes_GET_SIZE(*holder);
    }
    return read_data(c, data, n);
}

/* The block's weights and docnums checked against its head: `base` plus each
 * docnum within 32 bits unsigned, as many deltas and weights as the head counts. */
static int
check_block(const Ctx *c, const Head *head, long long base, long long *last)
{
    long long sum = 0;
    Py_ssize_t i;
    if (head->count != (long long)c->ndeltas)
        return REJECT;
    if (c->weights_kind == WEIGHTS_TUPLE && c->nweights != c->ndeltas)
        return REJECT;
    for (i = 0; i < c->ndeltas; i++) {
        long long d = c->deltas[i];
        if (d < -DELTA_LIMIT || d > DELTA_LIMIT)
            return REJECT;
        sum += d;
        if (base + sum < 0 || base + sum > DOCNUM_LIMIT)
            return REJECT;
    }
    *last = sum;
    return 0;
}

static double
weight_at(const Ctx *c, Py_ssize_t i)
{
    if (c->weights_kind == WEIGHTS_NONE)
        return 1.0;
    if (c->weights_kind == WEIGHTS_ONE)
        return c->weight;
    return c->weights[i];
}

/* A Python int argument as a long long within +-limit, or 0 with *ok cleared. */
static long long
int_arg(PyObject *obj, long long limit, int *ok)
{
    int overflow = 0;
    long long v;
    if (!PyLong_CheckExact(obj)) {
        *ok = 0;
        return 0;
    }
    v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (overflow || (v == -1 && PyErr_Occurred()) || v < -limit || v > limit) {
        PyErr_Clear();
        *ok = 0;
        return 0;
    }
    return v;
}

static int
bytes_is_raw(PyObject *raw)
{
    return PyBytes_CheckExact(raw);
}

PyDoc_STRVAR(heads_doc,
"heads(raw)\n--\n\n"
"blocks.block_heads of a term's posting bytes: [(count, last docnum, compression,\n"
"data start, data end)], or None where they are not read here (the twin decides).");

static PyObject *
cr_heads(PyObject *module, PyObject *raw)
{
    Ctx c;
    Heads heads = {NULL, 0, 0};
    PyObject *result = NULL;
    Py_ssize_t i;
    int r;
    (void)module;
    if (!bytes_is_raw(raw))
        Py_RETURN_NONE;
    memset(&c, 0, sizeof(c));
    r = read_heads(&c, (const unsigned char *)PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw),
                   &heads);
    if (r == REJECT) {
        result = Py_None;
        Py_INCREF(result);
    }
    else if (r == 0) {
        result = PyList_New(heads.n);
        for (i = 0; result != NULL && i < heads.n; i++) {
            const Head *h = &heads.items[i];
            PyObject *item = Py_BuildValue("(LLLnn)", h->count, h->last, h->compression,
                                           h->start, h->end);
            if (item == NULL)
                Py_CLEAR(result);
            else
                PyList_SET_ITEM(result, i, item);
        }
    }
    ctx_free(&c);
    PyMem_Free(heads.items);
    return result;
}

PyDoc_STRVAR(decode_doc,
"decode(raw, fixedsize, base, blocklimit, decompress, array_type)\n--\n\n"
"A term's postings as (array('I') docnums moved up by base, array('d') weights,\n"
"[values]): what writer._renumbered(blocks.decode_postings(raw, fixedsize), base, None)\n"
"gives; or None where the bytes are not read here (the twin decides). With a\n"
"blocklimit > 0, also None where shift_postings would decline them: a block but the\n"
"last of another count, an empty value (fixedsize None or < 0), values of another\n"
"length than count * fixedsize (fixedsize > 0). `decompress` is zlib.decompress.");

static PyObject *
cr_decode(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *raw, *decompress, *array_type, *holder = NULL, *values = NULL, *result = NULL;
    PyObject *ids_bytes = NULL, *weights_bytes = NULL, *ids = NULL, *weights = NULL;
    Ctx c;
    Heads heads = {NULL, 0, 0};
    long long fixedsize = -1, base, blocklimit;
    uint32_t *out_ids = NULL;
    double *out_weights = NULL;
    Py_ssize_t ids_cap = 0, weights_cap = 0, at = 0, b, i;
    const unsigned char *data;
    int ok = 1, r = 0;
    (void)module;

    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "decode takes 6 arguments");
        return NULL;
    }
    raw = args[0];
    decompress = args[4];
    array_type = args[5];
    if (args[1] != Py_None)
        fixedsize = int_arg(args[1], PY_SSIZE_T_MAX, &ok);
    base = int_arg(args[2], DELTA_LIMIT, &ok);
    blocklimit = int_arg(args[3], PY_SSIZE_T_MAX, &ok);
    if (!ok || !bytes_is_raw(raw))
        Py_RETURN_NONE;
    memset(&c, 0, sizeof(c));
    data = (const unsigned char *)PyBytes_AS_STRING(raw);
    if ((r = read_heads(&c, data, PyBytes_GET_SIZE(raw), &heads)) != 0)
        goto done;
    for (b = 0; b < heads.n; b++) {
        long long count = heads.items[b].count;
        if (count < 1 || (blocklimit > 0 && b + 1 < heads.n && count != blocklimit)) {
            r = REJECT;
            goto done;
        }
    }
    if ((values = PyList_New(0)) == NULL)
        goto error;
    /* Output grows block by block: a damaged head's count is only believed once
     * the block's data holds as many postings. */
    for (b = 0; b < heads.n; b++) {
        const Head *head = &heads.items[b];
        Py_ssize_t n;
        long long sum = 0, last;
        if ((r = read_block(&c, data, head, decompress, &holder)) != 0
            || (r = check_block(&c, head, base, &last)) != 0)
            goto done;
        n = c.ndeltas;
        if (grow((void **)&out_ids, &ids_cap, at + n, sizeof(uint32_t)) < 0
            || grow((void **)&out_weights, &weights_cap, at + n, sizeof(double)) < 0)
            goto error;
        for (i = 0; i < n; i++) {
            sum += c.deltas[i];
            out_ids[at + i] = (uint32_t)(base + sum);
            out_weights[at + i] = weight_at(&c, i);
        }
        if (fixedsize == 0) {  /* None each, whatever is stored */
            for (i = 0; i < n; i++)
                if (PyList_Append(values, Py_None) < 0)
                    goto error;
        }
        else if (fixedsize > 0) {
            Blob *blob;
            PyObject *whole;
            Py_ssize_t size, pieces, k;
            if (c.values_kind != VALUES_BLOB) {
                r = REJECT;
                goto done;
            }
            blob = &c.blobs[c.values_blob];
            size = blob->size;
            pieces = size == 0 ? 0 : 1 + (size - 1) / (Py_ssize_t)fixedsize;
            if (pieces != n || (blocklimit > 0 && size != n * (Py_ssize_t)fixedsize)) {
                r = REJECT;
                goto done;
            }
            if ((whole = blob_object(blob)) == NULL)
                goto error;
            for (k = 0; k < n; k++) {
                Py_ssize_t from = k * (Py_ssize_t)fixedsize;
                Py_ssize_t len = size - from < fixedsize ? size - from : (Py_ssize_t)fixedsize;
                PyObject *piece;
                if (len == size) {  /* a slice of all of it is it, as in Python */
                    piece = whole;
                    Py_INCREF(piece);
                }
                else
                    piece = PyBytes_FromStringAndSize(PyBytes_AS_STRING(whole) + from, len);
                if (piece == NULL)
                    goto error;
                if (PyList_Append(values, piece) < 0) {
                    Py_DECREF(piece);
                    goto error;
                }
                Py_DECREF(piece);
            }
        }
        else {
            if (c.values_kind != VALUES_TUPLE || c.nitems != n) {
                r = REJECT;
                goto done;
            }
            for (i = 0; i < n; i++) {
                Blob *blob = &c.blobs[c.items[i]];
                PyObject *value;
                if (blocklimit > 0 && blob->size == 0) {
                    r = REJECT;
                    goto done;
                }
                if ((value = blob_object(blob)) == NULL || PyList_Append(values, value) < 0)
                    goto error;
            }
        }
        at += n;
    }
    ids_bytes = PyBytes_FromStringAndSize((const char *)out_ids, at * 4);
    weights_bytes = ids_bytes ? PyBytes_FromStringAndSize((const char *)out_weights, at * 8)
                              : NULL;
    ids = weights_bytes ? PyObject_CallFunction(array_type, "sO", "I", ids_bytes) : NULL;
    weights = ids ? PyObject_CallFunction(array_type, "sO", "d", weights_bytes) : NULL;
    if (weights == NULL)
        goto error;
    result = PyTuple_Pack(3, ids, weights, values);
    goto done;
error:
    r = -1;
done:
    if (r == REJECT) {
        result = Py_None;
        Py_INCREF(result);
    }
    Py_XDECREF(holder);
    Py_XDECREF(ids_bytes);
    Py_XDECREF(weights_bytes);
    Py_XDECREF(ids);
    Py_XDECREF(weights);
    Py_XDECREF(values);
    PyMem_Free(out_ids);
    PyMem_Free(out_weights);
    ctx_free(&c);
    PyMem_Free(heads.items);
    return result;
}

PyDoc_STRVAR(arrays_doc,
"arrays(raw, heads, decompress)\n--\n\n"
"The docnums (int64) and weights (float64) of the blocks `heads` (some of\n"
"block_heads(raw), in order) as two bytearrays: what evaluate._postings computes\n"
"of them; or None where the bytes are not read here, or a block's last docnum is\n"
"not its head's (the twin decides).");

static PyObject *
cr_arrays(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *raw, *list, *decompress, *holder = NULL, *ids = NULL, *weights = NULL;
    PyObject *result = NULL;
    Ctx c;
    Py_ssize_t at = 0, b, i, nraw, nheads, ids_cap = 0, weights_cap = 0;
    int64_t *out_ids = NULL;
    double *out_weights = NULL;
    const unsigned char *data;
    Head *heads = NULL;
    int r = 0;
    (void)module;

    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "arrays takes 3 arguments");
        return NULL;
    }
    raw = args[0];
    list = args[1];
    decompress = args[2];
    if (!bytes_is_raw(raw) || !PyList_CheckExact(list))
        Py_RETURN_NONE;
    memset(&c, 0, sizeof(c));
    data = (const unsigned char *)PyBytes_AS_STRING(raw);
    nraw = PyBytes_GET_SIZE(raw);
    nheads = PyList_GET_SIZE(list);
    heads = PyMem_Malloc((size_t)(nheads ? nheads : 1) * sizeof(Head));
    if (heads == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (b = 0; b < nheads; b++) {
        PyObject *item = PyList_GET_ITEM(list, b);
        int ok = 1;
        Head *h = &heads[b];
        if (!PyTuple_CheckExact(item) || PyTuple_GET_SIZE(item) != 5) {
            r = REJECT;
            goto done;
        }
        h->count = int_arg(PyTuple_GET_ITEM(item, 0), DOCNUM_LIMIT, &ok);
        h->last = int_arg(PyTuple_GET_ITEM(item, 1), DOCNUM_LIMIT, &ok);
        h->compression = int_arg(PyTuple_GET_ITEM(item, 2), LLONG_MAX, &ok);
        h->start = (Py_ssize_t)int_arg(PyTuple_GET_ITEM(item, 3), PY_SSIZE_T_MAX, &ok);
        h->end = (Py_ssize_t)int_arg(PyTuple_GET_ITEM(item, 4), PY_SSIZE_T_MAX, &ok);
        if (!ok || h->count < 1 || h->start < 0 || h->start > h->end || h->end > nraw) {
            r = REJECT;
            goto done;
        }
    }
    for (b = 0; b < nheads; b++) {
        const Head *head = &heads[b];
        long long sum = 0, last;
        if ((r = read_block(&c, data, head, decompress, &holder)) != 0
            || (r = check_block(&c, head, 0, &last)) != 0)
            goto done;
        /* evaluate._postings numbers a block on from the previous head's last docnum */
        if (b + 1 < nheads && last != head->last) {
            r = REJECT;
            goto done;
        }
        if (grow((void **)&out_ids, &ids_cap, at + c.ndeltas, sizeof(int64_t)) < 0
            || grow((void **)&out_weights, &weights_cap, at + c.ndeltas, sizeof(double)) < 0)
            goto error;
        for (i = 0; i < c.ndeltas; i++) {
            sum += c.deltas[i];
            out_ids[at + i] = (int64_t)sum;
            out_weights[at + i] = weight_at(&c, i);
        }
        at += c.ndeltas;
    }
    ids = PyByteArray_FromStringAndSize((const char *)out_ids, at * 8);
    weights = ids ? PyByteArray_FromStringAndSize((const char *)out_weights, at * 8) : NULL;
    if (weights == NULL)
        goto error;
    result = PyTuple_Pack(2, ids, weights);
    goto done;
error:
    r = -1;
done:
    if (r == REJECT) {
        result = Py_None;
        Py_INCREF(result);
    }
    Py_XDECREF(holder);
    Py_XDECREF(ids);
    Py_XDECREF(weights);
    PyMem_Free(heads);
    PyMem_Free(out_ids);
    PyMem_Free(out_weights);
    ctx_free(&c);
    return result;
}

static PyMethodDef methods[] = {
    {"heads", cr_heads, METH_O, heads_doc},
    {"decode", (PyCFunction)(void (*)(void))cr_decode, METH_FASTCALL, decode_doc},
    {"arrays", (PyCFunction)(void (*)(void))cr_arrays, METH_FASTCALL, arrays_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_cread",
    "Posting reading in C (the compiled twin of parts of arsearch.engine.blocks).",
    0,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__cread(void)
{
    return PyModule_Create(&module_def);
}
