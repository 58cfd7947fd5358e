/* The compiled loops of the rule-based extraction scans (arsearch.extract._cgaz).
 *
 * Twins, with identical output:
 *   names_at(norms, i, variants, first)
 *       -> ``entities._names_at``: the gazetteer names whose words stand at
 *          token i, the heart of ``_Scan._lookup``;
 *   passive(word, variants, starts, compact, glued_min, piece_min, longest)
 *       -> ``entities._Matcher.is_passive`` without its memory: no rule of
 *          the gazetteer scan can start at the word;
 *   scan(tokens, words, fill)
 *       -> ``entities._norms_and_starts``: the normalized word of every token,
 *          and the positions where some rule of the gazetteer scan may start;
 *   FoldTable(table).fold(text)
 *       -> ``dates._fold``: the folded text and, unless it is 1:1, the
 *          original offset of each folded char;
 *   DateAnchors(digits, clitics, max_clitics, names, reach, bounded).windows(folded)
 *       -> ``dates._windows(folded, anchor)`` for the absolute anchor and the
 *          relative ones: where the long date patterns are run.
 *
 * No table lives in this module: the words the scan has seen belong to the
 * gazetteer's matcher (dicts passed in), and a FoldTable or DateAnchors is
 * built from the tables of arsearch.extract.dates and owned by that module.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* --- scan ---------------------------------------------------------------- */

PyDoc_STRVAR(scan_doc,
"scan(tokens, words, fill) -> (norms, starts)\n\n"
"``norms``: the normalized word of each token, ``starts``: the positions of\n"
"the tokens that are not passive, as ``arsearch.extract.entities._norms_and_starts``\n"
"finds them. ``words`` maps a token's text to (normalized word, passive);\n"
"``fill(text)`` gives that pair for a text it does not hold yet.");

static PyObject *
scan(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    static PyObject *text_name = NULL;  /* an interned constant, not state */
    PyObject *seq = NULL, *norms = NULL, *starts = NULL, *result = NULL;
    PyObject *words, *fill;
    Py_ssize_t n, i;

    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "scan() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    words = args[1];
    fill = args[2];
    if (!PyDict_Check(words)) {
        PyErr_SetString(PyExc_TypeError, "scan(): words must be a dict");
        return NULL;
    }
    if (text_name == NULL) {
        text_name = PyUnicode_InternFromString("text");
        if (text_name == NULL)
            return NULL;
    }
    seq = PySequence_Fast(args[0], "scan(): tokens must be a sequence");
    if (seq == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    norms = PyList_New(n);
    starts = PyList_New(0);
    if (norms == NULL || starts == NULL)
        goto done;
    for (i = 0; i < n; i++) {
        PyObject *text, *pair, *norm;
        int skip;

        text = PyObject_GetAttr(PySequence_Fast_GET_ITEM(seq, i), text_name);
        if (text == NULL)
            goto done;
        pair = PyDict_GetItemWithError(words, text);
        if (pair != NULL) {
            Py_INCREF(pair);
        } else if (!PyErr_Occurred()) {
            pair = PyObject_CallOneArg(fill, text);
        }
        Py_DECREF(text);
        if (pair == NULL)
            goto done;
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            Py_DECREF(pair);
            PyErr_SetString(PyExc_TypeError, "scan(): words must map to (norm, passive) pairs");
            goto done;
        }
        norm = PyTuple_GET_ITEM(pair, 0);
        PyList_SET_ITEM(norms, i, Py_NewRef(norm));
        skip = PyObject_IsTrue(PyTuple_GET_ITEM(pair, 1));
        Py_DECREF(pair);
        if (skip < 0)
            goto done;
        if (!skip) {
            PyObject *index = PyLong_FromSsize_t(i);
            int failed;
            if (index == NULL)
                goto done;
            failed = PyList_Append(starts, index);
            Py_DECREF(index);
            if (failed)
                goto done;
        }
    }
    result = PyTuple_Pack(2, norms, starts);
done:
    Py_DECREF(seq);
    Py_XDECREF(norms);
    Py_XDECREF(starts);
    return result;
}

/* --- names_at ------------------------------------------------------------- */

PyDoc_STRVAR(names_at_doc,
"names_at(norms, i, variants, first) -> list[tuple[int, int, _Name]]\n\n"
"``arsearch.extract.entities._names_at``: each (end, clitic cut, name) of the\n"
"gazetteer names ``first`` lists under a reading of ``norms[i]`` whose later\n"
"words are ``norms[i + 1:end]``, in the order they are tried.");

static PyObject *
names_at(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    static PyObject *rest_name = NULL;  /* an interned constant, not state */
    PyObject *norms, *variants, *first, *out = NULL, *seq = NULL;
    Py_ssize_t i, n, v;

    if (nargs != 4) {
        PyErr_Format(PyExc_TypeError, "names_at() takes 4 arguments (%zd given)", nargs);
        return NULL;
    }
    norms = args[0];
    variants = args[2];
    first = args[3];
    if (!PyList_Check(norms) || !PyDict_Check(first)) {
        PyErr_SetString(PyExc_TypeError, "names_at(): norms must be a list, first a dict");
        return NULL;
    }
    i = PyLong_AsSsize_t(args[1]);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    if (i < 0 || i >= PyList_GET_SIZE(norms)) {
        PyErr_SetString(PyExc_IndexError, "token index out of range");
        return NULL;
    }
    if (rest_name == NULL) {
        rest_name = PyUnicode_InternFromString("rest");
        if (rest_name == NULL)
            return NULL;
    }
    seq = PySequence_Fast(variants, "names_at(): variants must be a sequence");
    if (seq == NULL)
        return NULL;
    out = PyList_New(0);
    if (out == NULL)
        goto fail;
    for (v = 0; v < PySequence_Fast_GET_SIZE(seq); v++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(seq, v), *names, *cut;
        Py_ssize_t k;
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "names_at(): variants must be (cut, word) pairs");
            goto fail;
        }
        cut = PyTuple_GET_ITEM(pair, 0);
        names = PyDict_GetItemWithError(first, PyTuple_GET_ITEM(pair, 1));
        if (names == NULL) {
            if (PyErr_Occurred())
                goto fail;
            continue;
        }
        if (!PyList_Check(names)) {
            PyErr_SetString(PyExc_TypeError, "names_at(): first must map words to lists");
            goto fail;
        }
        Py_INCREF(names);  /* held while names compare, which may run Python code */
        for (k = 0; k < PyList_GET_SIZE(names); k++) {
            PyObject *name = PyList_GET_ITEM(names, k), *rest, *found;
            Py_ssize_t length, end, j;
            int same = 1;

            Py_INCREF(name);
            rest = PyObject_GetAttr(name, rest_name);
            if (rest == NULL || !PyTuple_Check(rest)) {
                if (rest != NULL)
                    PyErr_SetString(PyExc_TypeError, "names_at(): a name's rest must be a tuple");
                Py_XDECREF(rest);
                Py_DECREF(name);
                Py_DECREF(names);
                goto fail;
            }
            length = PyTuple_GET_SIZE(rest);
            end = i + 1 + length;
            n = PyList_GET_SIZE(norms);  /* again: a comparison may have run Python code */
            if (end > n) {
                Py_DECREF(rest);
                Py_DECREF(name);
                continue;
            }
            for (j = 0; j < length && same; j++) {
                PyObject *word = PyList_GET_ITEM(norms, i + 1 + j);
                Py_INCREF(word);
                same = PyObject_RichCompareBool(word, PyTuple_GET_ITEM(rest, j), Py_EQ);
                Py_DECREF(word);
            }
            Py_DECREF(rest);
            if (same < 0) {
                Py_DECREF(name);
                Py_DECREF(names);
                goto fail;
            }
            if (same) {
                found = Py_BuildValue("(nOO)", end, cut, name);
                if (found == NULL || PyList_Append(out, found) < 0) {
                    Py_XDECREF(found);
                    Py_DECREF(name);
                    Py_DECREF(names);
                    goto fail;
                }
                Py_DECREF(found);
            }
            Py_DECREF(name);
        }
        Py_DECREF(names);
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_XDECREF(out);
    Py_DECREF(seq);
    return NULL;
}

/* --- passive ---------------------------------------------------------------- */

#define SPLIT_DEPTH 100  /* deeper splits are left to the twin (same result, same errors) */
#define SPLIT_ERROR (-1)
#define SPLIT_DEEP (-2)

/* ``_Matcher.split(word) is not None``: 1 yes, 0 no, SPLIT_ERROR, SPLIT_DEEP. */
static int
can_split(PyObject *word, PyObject *compact, Py_ssize_t piece_min, Py_ssize_t longest,
          int depth)
{
    Py_ssize_t n, cut, high;
    int known;

    if (depth > SPLIT_DEPTH)
        return SPLIT_DEEP;
    known = PyDict_Contains(compact, word);
    if (known != 0)
        return known < 0 ? SPLIT_ERROR : 0;  /* a whole known name matched already */
    n = PyUnicode_GET_LENGTH(word);
    high = n - piece_min < longest ? n - piece_min : longest;
    for (cut = high; cut >= piece_min; cut--) {
        PyObject *head, *tail;
        int found;

        head = PyUnicode_Substring(word, 0, cut);
        if (head == NULL)
            return SPLIT_ERROR;
        known = PyDict_Contains(compact, head);
        Py_DECREF(head);
        if (known < 0)
            return SPLIT_ERROR;
        if (!known)
            continue;
        tail = PyUnicode_Substring(word, cut, n);
        if (tail == NULL)
            return SPLIT_ERROR;
        known = PyDict_Contains(compact, tail);
        if (known != 0) {
            Py_DECREF(tail);
            return known < 0 ? SPLIT_ERROR : 1;
        }
        found = can_split(tail, compact, piece_min, longest, depth + 1);
        Py_DECREF(tail);
        if (found != 0)
            return found;
    }
    return 0;
}

PyDoc_STRVAR(passive_doc,
"passive(word, variants, starts, compact, glued_min, piece_min, longest) -> bool | None\n\n"
"What ``_Matcher.is_passive`` finds for ``word`` (``variants``: its\n"
"``clitic_variants``), or None for a word glued from so many names that the\n"
"pure-Python twin is left to answer.");

static PyObject *
passive(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *word, *variants, *starts, *compact, *seq;
    Py_ssize_t glued_min, piece_min, longest, n, i;
    PyObject *result = NULL;

    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "passive() takes 7 arguments (%zd given)", nargs);
        return NULL;
    }
    word = args[0];
    variants = args[1];
    starts = args[2];
    compact = args[3];
    if (!PyUnicode_Check(word) || !PyAnySet_Check(starts) || !PyDict_Check(compact)) {
        PyErr_SetString(PyExc_TypeError, "passive(): word must be a str, starts a set, "
                        "compact a dict");
        return NULL;
    }
    glued_min = PyLong_AsSsize_t(args[4]);
    piece_min = PyLong_AsSsize_t(args[5]);
    longest = PyLong_AsSsize_t(args[6]);
    if (PyErr_Occurred())
        return NULL;
    seq = PySequence_Fast(variants, "passive(): variants must be a sequence");
    if (seq == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    /* Checked first: the readings are pairs (cut, str). */
    for (i = 0; i < n; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2
                || !PyUnicode_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "passive(): variants must be (int, str) pairs");
            goto done;
        }
    }
    for (i = 0; i < n; i++) {
        int in = PySet_Contains(starts, PyTuple_GET_ITEM(PySequence_Fast_GET_ITEM(seq, i), 1));
        if (in < 0)
            goto done;
        if (in) {
            result = Py_NewRef(Py_False);
            goto done;
        }
    }
    if (PyUnicode_GET_LENGTH(word) >= glued_min) {
        for (i = 0; i < n; i++) {
            PyObject *rest = PyTuple_GET_ITEM(PySequence_Fast_GET_ITEM(seq, i), 1);
            int found = can_split(rest, compact, piece_min, longest, 0);
            if (found == SPLIT_ERROR)
                goto done;
            if (found == SPLIT_DEEP) {
                result = Py_NewRef(Py_None);
                goto done;
            }
            if (found) {
                result = Py_NewRef(Py_False);
                goto done;
            }
        }
    }
    result = Py_NewRef(Py_True);
done:
    Py_DECREF(seq);
    return result;
}

/* --- FoldTable ------------------------------------------------------------ */

#define BMP 0x10000

typedef struct {
    PyObject_HEAD
    int32_t *slot;       /* BMP code point -> index into off/len, -1: unchanged */
    uint32_t *off;       /* start of each replacement in pool */
    uint32_t *len;       /* its length in code points */
    Py_UCS4 *pool;
    PyObject *astral;    /* code point >= 0x10000 (int) -> replacement (str) */
} FoldTable;

static void
FoldTable_dealloc(FoldTable *self)
{
    PyObject_GC_UnTrack(self);
    PyMem_Free(self->slot);
    PyMem_Free(self->off);
    PyMem_Free(self->len);
    PyMem_Free(self->pool);
    Py_CLEAR(self->astral);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
FoldTable_traverse(FoldTable *self, visitproc visit, void *arg)
{
    Py_VISIT(self->astral);
    return 0;
}

static PyObject *
FoldTable_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"table", NULL};
    PyObject *table, *key, *value;
    Py_ssize_t pos = 0, count, total = 0, k = 0;
    FoldTable *self;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!:FoldTable", keywords,
                                     &PyDict_Type, &table))
        return NULL;
    self = (FoldTable *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    count = PyDict_Size(table);
    self->astral = PyDict_New();
    self->slot = PyMem_Malloc(sizeof(int32_t) * BMP);
    self->off = PyMem_Malloc(sizeof(uint32_t) * (count ? count : 1));
    self->len = PyMem_Malloc(sizeof(uint32_t) * (count ? count : 1));
    if (self->astral == NULL || self->slot == NULL || self->off == NULL || self->len == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    memset(self->slot, 0xff, sizeof(int32_t) * BMP);
    while (PyDict_Next(table, &pos, &key, &value)) {
        long cp;
        if (!PyLong_Check(key) || !PyUnicode_Check(value)) {
            PyErr_SetString(PyExc_TypeError, "FoldTable: keys must be ints, values strs");
            goto fail;
        }
        cp = PyLong_AsLong(key);
        if (cp == -1 && PyErr_Occurred())
            goto fail;
        if (cp < 0 || cp > 0x10FFFF) {
            PyErr_Format(PyExc_ValueError, "FoldTable: %ld is not a code point", cp);
            goto fail;
        }
        if (cp >= BMP) {
            if (PyDict_SetItem(self->astral, key, value) < 0)
                goto fail;
            continue;
        }
        total += PyUnicode_GET_LENGTH(value);
    }
    self->pool = PyMem_Malloc(sizeof(Py_UCS4) * (total ? total : 1));
    if (self->pool == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    total = 0;
    pos = 0;
    while (PyDict_Next(table, &pos, &key, &value)) {
        long cp = PyLong_AsLong(key);
        Py_ssize_t length = PyUnicode_GET_LENGTH(value);
        if (cp >= BMP)
            continue;
        if (PyUnicode_AsUCS4(value, self->pool + total, length, 0) == NULL && length > 0)
            goto fail;
        self->off[k] = (uint32_t)total;
        self->len[k] = (uint32_t)length;
        self->slot[cp] = (int32_t)k;
        total += length;
        k++;
    }
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

/* The replacement of an astral code point, or NULL (borrowed; no error) when none. */
static PyObject *
astral_lookup(FoldTable *self, Py_UCS4 ch, int *error)
{
    PyObject *key, *found;
    *error = 0;
    if (PyDict_GET_SIZE(self->astral) == 0)
        return NULL;
    key = PyLong_FromUnsignedLong(ch);
    if (key == NULL) {
        *error = 1;
        return NULL;
    }
    found = PyDict_GetItemWithError(self->astral, key);
    Py_DECREF(key);
    if (found == NULL && PyErr_Occurred())
        *error = 1;
    return found;
}

PyDoc_STRVAR(fold_doc,
"fold(text) -> (folded, index)\n\n"
"``text.translate(table)``, and the offset in ``text`` of each folded char,\n"
"or None when every char of ``text`` maps to exactly one char.");

static PyObject *
FoldTable_fold(FoldTable *self, PyObject *text)
{
    Py_ssize_t n, i, out_len = 0, w = 0;
    Py_UCS4 max_char = 0;
    int kind, one_to_one = 1, error;
    const void *data;
    PyObject *folded = NULL, *index = NULL, *result;
    int out_kind;
    void *out;

    if (!PyUnicode_Check(text)) {  /* as ``text.translate`` fails in the twin */
        PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute 'translate'",
                     Py_TYPE(text)->tp_name);
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    /* Pass 1: the folded length, its widest char, whether it is 1:1. */
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch < BMP) {
            int32_t s = self->slot[ch];
            if (s < 0) {
                out_len++;
                if (ch > max_char)
                    max_char = ch;
            } else {
                uint32_t j, len = self->len[s];
                const Py_UCS4 *rep = self->pool + self->off[s];
                out_len += len;
                if (len != 1)
                    one_to_one = 0;
                for (j = 0; j < len; j++)
                    if (rep[j] > max_char)
                        max_char = rep[j];
            }
        } else {
            PyObject *rep = astral_lookup(self, ch, &error);
            if (error)
                return NULL;
            if (rep == NULL) {
                out_len++;
                if (ch > max_char)
                    max_char = ch;
            } else {
                Py_ssize_t j, len = PyUnicode_GET_LENGTH(rep);
                int rep_kind = PyUnicode_KIND(rep);
                const void *rep_data = PyUnicode_DATA(rep);
                out_len += len;
                if (len != 1)
                    one_to_one = 0;
                for (j = 0; j < len; j++) {  /* the exact widest: str must be canonical */
                    Py_UCS4 c = PyUnicode_READ(rep_kind, rep_data, j);
                    if (c > max_char)
                        max_char = c;
                }
            }
        }
    }
    folded = PyUnicode_New(out_len, max_char);
    if (folded == NULL)
        return NULL;
    if (!one_to_one) {
        index = PyList_New(out_len);
        if (index == NULL)
            goto fail;
    }
    out_kind = PyUnicode_KIND(folded);
    out = PyUnicode_DATA(folded);
    /* Pass 2: write the folded chars and, when needed, their origins. */
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        Py_ssize_t start = w;
        if (ch < BMP && self->slot[ch] >= 0) {
            int32_t s = self->slot[ch];
            uint32_t j, len = self->len[s];
            const Py_UCS4 *rep = self->pool + self->off[s];
            for (j = 0; j < len; j++)
                PyUnicode_WRITE(out_kind, out, w++, rep[j]);
        } else if (ch >= BMP) {
            PyObject *rep = astral_lookup(self, ch, &error);
            if (error)
                goto fail;
            if (rep == NULL) {
                PyUnicode_WRITE(out_kind, out, w++, ch);
            } else {
                Py_ssize_t j, len = PyUnicode_GET_LENGTH(rep);
                int rep_kind = PyUnicode_KIND(rep);
                const void *rep_data = PyUnicode_DATA(rep);
                if (w + len > out_len) {  /* the table changed under us: cannot happen */
                    PyErr_SetString(PyExc_RuntimeError, "FoldTable: replacement changed");
                    goto fail;
                }
                for (j = 0; j < len; j++)
                    PyUnicode_WRITE(out_kind, out, w++, PyUnicode_READ(rep_kind, rep_data, j));
            }
        } else {
            PyUnicode_WRITE(out_kind, out, w++, ch);
        }
        if (index != NULL) {
            Py_ssize_t j;
            for (j = start; j < w; j++) {
                PyObject *origin = PyLong_FromSsize_t(i);
                if (origin == NULL)
                    goto fail;
                PyList_SET_ITEM(index, j, origin);
            }
        }
    }
    if (w != out_len) {
        PyErr_SetString(PyExc_RuntimeError, "FoldTable: replacement changed");
        goto fail;
    }
    result = PyTuple_Pack(2, folded, index != NULL ? index : Py_None);
    Py_DECREF(folded);
    Py_XDECREF(index);
    return result;
fail:
    Py_XDECREF(folded);
    Py_XDECREF(index);
    return NULL;
}

static PyMethodDef FoldTable_methods[] = {
    {"fold", (PyCFunction)FoldTable_fold, METH_O, fold_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(FoldTable_doc,
"FoldTable(table)\n\n"
"A translation table (code point -> str, as for ``str.translate``) laid out\n"
"for ``fold``; built once from the table of arsearch.extract.dates.");

static PyTypeObject FoldTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arsearch.extract._cgaz.FoldTable",
    .tp_basicsize = sizeof(FoldTable),
    .tp_dealloc = (destructor)FoldTable_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = FoldTable_doc,
    .tp_traverse = (traverseproc)FoldTable_traverse,
    .tp_methods = FoldTable_methods,
    .tp_new = FoldTable_new,
};

/* --- DateAnchors ------------------------------------------------------------ */

#define BLANK_RUN ((Py_UCS4)0xFFFFFFFF)  /* a space of a name: one or more blanks */
#define MAX_FIRSTS 256

typedef struct {
    PyObject_HEAD
    Py_ssize_t digits;       /* a run of this many decimals is an anchor (0: none is) */
    int bounded;             /* names only as whole words: (?<!\w) before, (?!\w) after */
    Py_UCS4 *clitics;        /* letters that may precede a name */
    Py_ssize_t n_clitics, max_clitics;
    Py_ssize_t n_names;
    Py_UCS4 **names;         /* in the order of the regex alternation */
    Py_ssize_t *lengths;
    Py_ssize_t n_firsts;     /* distinct first chars of the names */
    Py_UCS4 firsts[MAX_FIRSTS];
    uint8_t may_open[BMP / 8];  /* bit set: a BMP char that is a clitic or a first char */
    Py_ssize_t reach;
} DateAnchors;

static void
mark_open(DateAnchors *self, Py_UCS4 ch)
{
    if (ch < BMP)
        self->may_open[ch >> 3] |= (uint8_t)(1u << (ch & 7));
}

/* Whether a name match may start at ``ch`` (exact for BMP chars, a yes otherwise). */
static int
may_open(const DateAnchors *self, Py_UCS4 ch)
{
    return ch >= BMP || (self->may_open[ch >> 3] >> (ch & 7)) & 1;
}

static int
is_word(Py_UCS4 ch)  /* the regex \w of a str pattern */
{
    return Py_UNICODE_ISALNUM(ch) || ch == '_';
}

static int
is_blank(Py_UCS4 ch)  /* [ \t\u00a0] */
{
    return ch == ' ' || ch == '\t' || ch == 0xA0;
}

static void
DateAnchors_dealloc(DateAnchors *self)
{
    Py_ssize_t i;
    if (self->names != NULL)
        for (i = 0; i < self->n_names; i++)
            PyMem_Free(self->names[i]);
    PyMem_Free(self->names);
    PyMem_Free(self->lengths);
    PyMem_Free(self->clitics);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
DateAnchors_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"digits", "clitics", "max_clitics", "names", "reach", "bounded",
                               NULL};
    Py_ssize_t digits, max_clitics, reach, i;
    int bounded = 1;
    PyObject *clitics, *names, *seq = NULL;
    DateAnchors *self;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "nUnOn|p:DateAnchors", keywords, &digits,
                                     &clitics, &max_clitics, &names, &reach, &bounded))
        return NULL;
    if (digits < 0 || max_clitics < 0 || reach < 0) {
        PyErr_SetString(PyExc_ValueError, "DateAnchors: digits, max_clitics, reach must be >= 0");
        return NULL;
    }
    self = (DateAnchors *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->digits = digits;
    self->bounded = bounded;
    self->max_clitics = max_clitics;
    self->reach = reach;
    self->clitics = PyUnicode_AsUCS4Copy(clitics);
    if (self->clitics == NULL)
        goto fail;
    self->n_clitics = PyUnicode_GET_LENGTH(clitics);
    for (i = 0; i < self->n_clitics; i++)
        mark_open(self, self->clitics[i]);
    seq = PySequence_Fast(names, "DateAnchors: names must be a sequence");
    if (seq == NULL)
        goto fail;
    self->n_names = PySequence_Fast_GET_SIZE(seq);
    self->names = PyMem_Calloc(self->n_names ? self->n_names : 1, sizeof(Py_UCS4 *));
    self->lengths = PyMem_Calloc(self->n_names ? self->n_names : 1, sizeof(Py_ssize_t));
    if (self->names == NULL || self->lengths == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (i = 0; i < self->n_names; i++) {
        PyObject *name = PySequence_Fast_GET_ITEM(seq, i);
        Py_ssize_t j, k;
        if (!PyUnicode_Check(name) || PyUnicode_GET_LENGTH(name) == 0) {
            PyErr_SetString(PyExc_TypeError, "DateAnchors: names must be non-empty strs");
            goto fail;
        }
        self->names[i] = PyUnicode_AsUCS4Copy(name);
        if (self->names[i] == NULL)
            goto fail;
        self->lengths[i] = PyUnicode_GET_LENGTH(name);
        if (self->names[i][0] == ' ' || self->names[i][self->lengths[i] - 1] == ' ') {
            PyErr_SetString(PyExc_ValueError, "DateAnchors: a name starts or ends with a space");
            goto fail;
        }
        for (j = 0; j < self->lengths[i]; j++) {
            if (self->names[i][j] == ' ') {
                if (self->names[i][j - 1] == BLANK_RUN) {
                    PyErr_SetString(PyExc_ValueError, "DateAnchors: two spaces in a name");
                    goto fail;
                }
                self->names[i][j] = BLANK_RUN;
            } else if (is_blank(self->names[i][j])) {
                PyErr_SetString(PyExc_ValueError, "DateAnchors: a tab or no-break space in a name");
                goto fail;
            }
        }
        for (k = 0; k < self->n_firsts; k++)
            if (self->firsts[k] == self->names[i][0])
                break;
        if (k == self->n_firsts) {
            if (self->n_firsts == MAX_FIRSTS) {
                PyErr_SetString(PyExc_ValueError, "DateAnchors: too many first letters");
                goto fail;
            }
            self->firsts[self->n_firsts++] = self->names[i][0];
            mark_open(self, self->names[i][0]);
        }
    }
    Py_DECREF(seq);
    return (PyObject *)self;
fail:
    Py_XDECREF(seq);
    Py_DECREF(self);
    return NULL;
}

/* End of name ``k`` matched at ``q``, or -1. */
static Py_ssize_t
match_name(DateAnchors *self, Py_ssize_t k, int kind, const void *data, Py_ssize_t n,
           Py_ssize_t q)
{
    const Py_UCS4 *name = self->names[k];
    Py_ssize_t j;
    for (j = 0; j < self->lengths[k]; j++) {
        if (name[j] == BLANK_RUN) {
            if (q >= n || !is_blank(PyUnicode_READ(kind, data, q)))
                return -1;
            while (q < n && is_blank(PyUnicode_READ(kind, data, q)))
                q++;
        } else {
            if (q >= n || PyUnicode_READ(kind, data, q) != name[j])
                return -1;
            q++;
        }
    }
    return q;
}

/* End of the anchor match starting at ``p``, or -1: the regex
 * ``\d{digits}|(?<!\w)[clitics]{0,max}(?:name|name...)(?!\w)``, without the
 * digits when there are none, without the boundaries when not bounded. */
static Py_ssize_t
match_anchor(DateAnchors *self, int kind, const void *data, Py_ssize_t n, Py_ssize_t p)
{
    Py_ssize_t j, avail, c;
    if (self->digits > 0 && p + self->digits <= n) {
        for (j = 0; j < self->digits; j++)
            if (!Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, p + j)))
                break;
        if (j == self->digits)
            return p + self->digits;
    }
    if (!may_open(self, PyUnicode_READ(kind, data, p))
            || (self->bounded && p > 0 && is_word(PyUnicode_READ(kind, data, p - 1))))
        return -1;
    for (avail = 0; avail < self->max_clitics && p + avail < n; avail++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, p + avail);
        for (j = 0; j < self->n_clitics; j++)
            if (self->clitics[j] == ch)
                break;
        if (j == self->n_clitics)
            break;
    }
    for (c = avail; c >= 0; c--) {  /* greedy: the most clitics first */
        Py_ssize_t q = p + c, k;
        Py_UCS4 first;
        if (q >= n)
            continue;
        first = PyUnicode_READ(kind, data, q);
        for (k = 0; k < self->n_firsts; k++)
            if (self->firsts[k] == first)
                break;
        if (k == self->n_firsts)
            continue;
        for (k = 0; k < self->n_names; k++) {
            Py_ssize_t end;
            if (self->names[k][0] != first)
                continue;
            end = match_name(self, k, kind, data, n, q);
            if (end >= 0 && (!self->bounded || end == n
                             || !is_word(PyUnicode_READ(kind, data, end))))
                return end;
        }
    }
    return -1;
}

static int
append_window(PyObject *out, Py_ssize_t start, Py_ssize_t end)
{
    PyObject *pair = Py_BuildValue("(nn)", start, end);
    int failed;
    if (pair == NULL)
        return -1;
    failed = PyList_Append(out, pair);
    Py_DECREF(pair);
    return failed;
}

PyDoc_STRVAR(windows_doc,
"windows(folded) -> list[tuple[int, int]]\n\n"
"``arsearch.extract.dates._windows(folded, anchor)`` for the regex ``anchor``\n"
"this scanner stands for: the stretches of ``folded`` around its matches,\n"
"from whitespace to whitespace.");

static PyObject *
DateAnchors_windows(DateAnchors *self, PyObject *folded)
{
    Py_ssize_t n, p, w_start = -1, w_end = -1;
    int kind;
    const void *data;
    PyObject *out;

    if (!PyUnicode_Check(folded)) {
        PyErr_Format(PyExc_TypeError, "windows() argument must be str, not %.100s",
                     Py_TYPE(folded)->tp_name);
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(folded);
    kind = PyUnicode_KIND(folded);
    data = PyUnicode_DATA(folded);
    out = PyList_New(0);
    if (out == NULL)
        return NULL;
    /* Each match, leftmost first, the next looked for from its end; matches
     * closer than twice the reach make one window. */
    p = 0;
    while (p < n) {
        Py_ssize_t end = match_anchor(self, kind, data, n, p), start;
        if (end < 0) {
            p++;
            continue;
        }
        start = p - self->reach > 0 ? p - self->reach : 0;
        if (w_end >= 0 && start <= w_end) {
            w_end = end + self->reach;
        } else {
            if (w_end >= 0 && append_window(out, w_start, w_end) < 0)
                goto fail;
            w_start = start;
            w_end = end + self->reach;
        }
        p = end > p ? end : p + 1;
    }
    if (w_end >= 0 && append_window(out, w_start, w_end) < 0)
        goto fail;
    /* Widen each window to whitespace: back to a space or a line break
     * before it, on to the first whitespace char at or after its end. */
    for (p = 0; p < PyList_GET_SIZE(out); p++) {
        PyObject *pair = PyList_GET_ITEM(out, p), *widened;
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 0));
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 1)), i;
        for (i = start - 1; i >= 0; i--) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            if (ch == ' ' || ch == '\n')
                break;
        }
        start = i + 1;
        for (i = end < n ? end : n; i < n; i++)
            if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
                break;
        widened = Py_BuildValue("(nn)", start, i);
        if (widened == NULL)
            goto fail;
        PyList_SetItem(out, p, widened);  /* steals widened, drops pair */
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef DateAnchors_methods[] = {
    {"windows", (PyCFunction)DateAnchors_windows, METH_O, windows_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(DateAnchors_doc,
"DateAnchors(digits, clitics, max_clitics, names, reach, bounded=True)\n\n"
"An anchor of arsearch.extract.dates as a scanner: a run of ``digits``\n"
"decimals (none when 0), or up to ``max_clitics`` of ``clitics`` then one of\n"
"``names`` (tried in order; a space stands for any run of blanks), as a whole\n"
"word when ``bounded``; ``reach`` chars around each match make a window.");

static PyTypeObject DateAnchorsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arsearch.extract._cgaz.DateAnchors",
    .tp_basicsize = sizeof(DateAnchors),
    .tp_dealloc = (destructor)DateAnchors_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = DateAnchors_doc,
    .tp_methods = DateAnchors_methods,
    .tp_new = DateAnchors_new,
};

/* --- module --------------------------------------------------------------- */

static PyMethodDef module_methods[] = {
    {"scan", (PyCFunction)(void (*)(void))scan, METH_FASTCALL, scan_doc},
    {"passive", (PyCFunction)(void (*)(void))passive, METH_FASTCALL, passive_doc},
    {"names_at", (PyCFunction)(void (*)(void))names_at, METH_FASTCALL, names_at_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "arsearch.extract._cgaz",
    .m_doc = "Compiled loops of the gazetteer and date scans (twins in entities.py, dates.py).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__cgaz(void)
{
    PyObject *module;
    if (PyType_Ready(&FoldTableType) < 0 || PyType_Ready(&DateAnchorsType) < 0)
        return NULL;
    module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    Py_INCREF(&FoldTableType);
    if (PyModule_AddObject(module, "FoldTable", (PyObject *)&FoldTableType) < 0) {
        Py_DECREF(&FoldTableType);
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(&DateAnchorsType);
    if (PyModule_AddObject(module, "DateAnchors", (PyObject *)&DateAnchorsType) < 0) {
        Py_DECREF(&DateAnchorsType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
