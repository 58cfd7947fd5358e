/* The name tagger's decoding in C: Viterbi, emission scores, pieces, sentences.
 *
 * Each function is the twin of Python code in arsearch/extract/crf.py and
 * arsearch/extract/ner.py and gives identical output: the same label ids,
 * bit-identical floats (the same additions in the same order; setup.py builds
 * without fused multiply-add) and the same pieces and sentences. Arrays come
 * in through the buffer protocol (float64 and intp, C-contiguous, checked
 * here; the Python side makes them so), and results are written into arrays
 * the Python side allocated: no numpy C API, only the Python headers.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* Fields of a token entry, ner._Entry: (word, bare, mid, links, gazetteer, row). */
#define ENTRY_WORD 0
#define ENTRY_LINKS 3
#define ENTRY_GAZETTEER 4
#define PREFETCH_AHEAD 8

/* --- buffers --------------------------------------------------------------- */

/* A C-contiguous buffer of ``ndim`` dimensions whose items are ``kind``:
 * 'd' (float64) or 'n' (intp); ``writable`` for an output. */
static int
get_array(PyObject *obj, Py_buffer *view, int ndim, char kind, int writable, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *format = view->format ? view->format : "B";
    const unsigned int one = 1;
    int little = *(const unsigned char *)&one == 1;
    if (format[0] == '@' || format[0] == '=' || (format[0] == '<' && little)
            || ((format[0] == '>' || format[0] == '!') && !little))
        format++;
    int ok = view->ndim == ndim;
    if (kind == 'd')
        ok = ok && view->itemsize == (Py_ssize_t)sizeof(double) && strcmp(format, "d") == 0;
    else
        ok = ok && view->itemsize == (Py_ssize_t)sizeof(Py_ssize_t)
             && (strcmp(format, "n") == 0
                 || (sizeof(Py_ssize_t) == sizeof(long) && strcmp(format, "l") == 0)
                 || (sizeof(Py_ssize_t) == sizeof(long long) && strcmp(format, "q") == 0));
    if (!ok) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous %d-d %s array",
                     name, ndim, kind == 'd' ? "float64" : "intp");
        return -1;
    }
    return 0;
}

/* numpy's argmax over doubles: the first maximum; a NaN is the maximum, the first one wins. */
static Py_ssize_t
argmax(const double *a, Py_ssize_t n)
{
    double best = a[0];
    Py_ssize_t at = 0;
    if (isnan(best))
        return 0;
    for (Py_ssize_t i = 1; i < n; i++) {
        if (!(a[i] <= best)) {
            best = a[i];
            at = i;
            if (isnan(best))
                break;
        }
    }
    return at;
}

/* --- Viterbi ----------------------------------------------------------------- */

PyDoc_STRVAR(viterbi_doc,
"viterbi(emissions, lengths, transitions, out)\n--\n\n"
"crf.viterbi into ``out`` (sentences, longest) intp: emissions (sentences, longest,\n"
"labels) float64, lengths (sentences,) intp, transitions (labels, labels) float64.");

static PyObject *
cdecode_viterbi(PyObject *self, PyObject *args)
{
    PyObject *e_obj, *l_obj, *t_obj, *o_obj;
    if (!PyArg_ParseTuple(args, "OOOO:viterbi", &e_obj, &l_obj, &t_obj, &o_obj))
        return NULL;
    Py_buffer ev, lv, tv, ov;
    if (get_array(e_obj, &ev, 3, 'd', 0, "emissions") < 0)
        return NULL;
    if (get_array(l_obj, &lv, 1, 'n', 0, "lengths") < 0) {
        PyBuffer_Release(&ev);
        return NULL;
    }
    if (get_array(t_obj, &tv, 2, 'd', 0, "transitions") < 0) {
        PyBuffer_Release(&ev);
        PyBuffer_Release(&lv);
        return NULL;
    }
    if (get_array(o_obj, &ov, 2, 'n', 1, "out") < 0) {
        PyBuffer_Release(&ev);
        PyBuffer_Release(&lv);
        PyBuffer_Release(&tv);
        return NULL;
    }
    PyObject *result = NULL;
    double *delta = NULL, *next = NULL;
    Py_ssize_t *back = NULL;
    Py_ssize_t count = ev.shape[0], longest = ev.shape[1], n_labels = ev.shape[2];
    if (lv.shape[0] != count || tv.shape[0] != n_labels || tv.shape[1] != n_labels
            || ov.shape[0] != count || ov.shape[1] != longest) {
        PyErr_SetString(PyExc_ValueError, "viterbi: the shapes of the arrays do not match");
        goto done;
    }
    if (count == 0 || longest == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (n_labels == 0) {
        PyErr_SetString(PyExc_ValueError, "viterbi: no labels");
        goto done;
    }
    const double *emissions = ev.buf, *transitions = tv.buf;
    const Py_ssize_t *lengths = lv.buf;
    Py_ssize_t *out = ov.buf;
    if ((size_t)longest > PY_SSIZE_T_MAX / sizeof(Py_ssize_t) / (size_t)n_labels) {
        PyErr_NoMemory();
        goto done;
    }
    delta = PyMem_Malloc(sizeof(double) * (size_t)n_labels);
    next = PyMem_Malloc(sizeof(double) * (size_t)n_labels);
    back = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)longest * (size_t)n_labels);
    if (delta == NULL || next == NULL || back == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t b = 0; b < count; b++) {
        const double *e = emissions + b * longest * n_labels;
        Py_ssize_t *row = out + b * longest;
        /* A sentence goes on for min(length, longest) steps, at least the first. */
        Py_ssize_t n = lengths[b] < longest ? lengths[b] : longest;
        if (n < 1)
            n = 1;
        memcpy(delta, e, sizeof(double) * (size_t)n_labels);
        for (Py_ssize_t t = 1; t < n; t++) {
            const double *et = e + t * n_labels;
            Py_ssize_t *bt = back + t * n_labels;
            for (Py_ssize_t j = 0; j < n_labels; j++) {
                /* argmax over the previous label of delta[i] + transitions[i, j]. */
                double best = delta[0] + transitions[j];
                Py_ssize_t at = 0;
                if (!isnan(best)) {
                    for (Py_ssize_t i = 1; i < n_labels; i++) {
                        double score = delta[i] + transitions[i * n_labels + j];
                        if (!(score <= best)) {
                            best = score;
                            at = i;
                            if (isnan(best))
                                break;
                        }
                    }
                }
                bt[j] = at;
                next[j] = best + et[j];
            }
            double *swap = delta;
            delta = next;
            next = swap;
        }
        /* Past its end a sentence keeps its last label. */
        Py_ssize_t current = argmax(delta, n_labels);
        for (Py_ssize_t t = longest - 1; t >= n; t--)
            row[t] = current;
        for (Py_ssize_t t = n - 1; t > 0; t--) {
            row[t] = current;
            current = back[t * n_labels + current];
        }
        row[0] = current;
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(delta);
    PyMem_Free(next);
    PyMem_Free(back);
    PyBuffer_Release(&ev);
    PyBuffer_Release(&lv);
    PyBuffer_Release(&tv);
    PyBuffer_Release(&ov);
    return result;
}

/* --- emissions ------------------------------------------------------------------ */

/* seq[i] as a new reference, with Python's negative indices. */
static inline PyObject *
item(PyObject *seq, Py_ssize_t i)
{
    if (PyTuple_CheckExact(seq)) {
        Py_ssize_t n = PyTuple_GET_SIZE(seq);
        if (i < 0)
            i += n;
        if (i < 0 || i >= n) {
            PyErr_SetString(PyExc_IndexError, "tuple index out of range");
            return NULL;
        }
        return Py_NewRef(PyTuple_GET_ITEM(seq, i));
    }
    if (PyList_CheckExact(seq)) {
        Py_ssize_t n = PyList_GET_SIZE(seq);
        if (i < 0)
            i += n;
        if (i < 0 || i >= n) {
            PyErr_SetString(PyExc_IndexError, "list index out of range");
            return NULL;
        }
        return Py_NewRef(PyList_GET_ITEM(seq, i));
    }
    PyObject *key = PyLong_FromSsize_t(i);
    if (key == NULL)
        return NULL;
    PyObject *found = PyObject_GetItem(seq, key);
    Py_DECREF(key);
    return found;
}

/* An integer index (as numpy takes one), or -1 with an exception set. */
static inline int
as_index(PyObject *obj, Py_ssize_t *value)
{
    if (PyLong_CheckExact(obj)) {
        Py_ssize_t v = PyLong_AsSsize_t(obj);
        if (!(v == -1 && PyErr_Occurred())) {
            *value = v;
            return 0;
        }
        PyErr_Clear();  /* too large: numpy's IndexError below */
    }
    Py_ssize_t v = PyNumber_AsSsize_t(obj, PyExc_IndexError);
    if (v == -1 && PyErr_Occurred())
        return -1;
    *value = v;
    return 0;
}

/* out[at] += state[row] as np.add.at does it: negative indices count from the end. */
static int
add_row(double *out, Py_ssize_t n_out, const double *state, Py_ssize_t n_state,
        Py_ssize_t n_labels, Py_ssize_t at, Py_ssize_t row)
{
    if (row < 0)
        row += n_state;
    if (row < 0 || row >= n_state) {
        PyErr_Format(PyExc_IndexError, "index %zd is out of bounds for axis 0 with size %zd",
                     row, n_state);
        return -1;
    }
    if (at < 0)
        at += n_out;
    if (at < 0 || at >= n_out) {
        PyErr_Format(PyExc_IndexError, "index %zd is out of bounds for axis 0 with size %zd",
                     at, n_out);
        return -1;
    }
    double *to = out + at * n_labels;
    const double *from = state + row * n_labels;
    for (Py_ssize_t l = 0; l < n_labels; l++)
        to[l] += from[l];
    return 0;
}

/* The token pairs of ``padded`` that the model has: their rows added to ``out``
 * (row p - 2 for padded[p]), in the order of ``padded`` and its links. */
static int
add_pairs(PyObject *padded, PyObject *tables, double *out, Py_ssize_t n_out,
          const double *state, Py_ssize_t n_state, Py_ssize_t n_labels)
{
    for (Py_ssize_t p = 0; p < PyList_GET_SIZE(padded); p++) {
#ifdef __GNUC__
        /* The entries lie all over the heap: ask for those a few tokens ahead
         * (and the links of nearer ones) before they are needed. */
        if (p + PREFETCH_AHEAD < PyList_GET_SIZE(padded)) {
            PyObject *ahead = PyList_GET_ITEM(padded, p + PREFETCH_AHEAD);
            __builtin_prefetch(ahead);
            __builtin_prefetch(&((PyTupleObject *)ahead)->ob_item[ENTRY_LINKS]);
        }
        if (p + PREFETCH_AHEAD / 2 < PyList_GET_SIZE(padded)) {
            PyObject *near = PyList_GET_ITEM(padded, p + PREFETCH_AHEAD / 2);
            if (PyTuple_CheckExact(near) && PyTuple_GET_SIZE(near) > ENTRY_LINKS)
                __builtin_prefetch(PyTuple_GET_ITEM(near, ENTRY_LINKS));
        }
#endif
        PyObject *tok = PyList_GET_ITEM(padded, p);
        Py_INCREF(tok);
        PyObject *links = item(tok, ENTRY_LINKS);
        Py_DECREF(tok);
        if (links == NULL)
            return -1;
        /* Most tokens have no links: nothing to look at. */
        if (PyTuple_CheckExact(links) && PyTuple_GET_SIZE(links) == 0) {
            Py_DECREF(links);
            continue;
        }
        PyObject *it = PyObject_GetIter(links);
        Py_DECREF(links);
        if (it == NULL)
            return -1;
        PyObject *link;
        while ((link = PyIter_Next(it)) != NULL) {
            Py_ssize_t off = 0, field = 0, table = 0;
            PyObject *o = NULL, *f = NULL, *t = NULL;
            int bad = !PyTuple_CheckExact(link) || PyTuple_GET_SIZE(link) != 3;
            if (bad) {
                /* Unpacked as Python unpacks it. */
                PyObject *seq = PySequence_Fast(link, "cannot unpack non-iterable object");
                if (seq != NULL && PySequence_Fast_GET_SIZE(seq) != 3) {
                    PyErr_Format(PyExc_ValueError, "expected 3 values to unpack, got %zd",
                                 PySequence_Fast_GET_SIZE(seq));
                    Py_CLEAR(seq);
                }
                if (seq == NULL) {
                    Py_DECREF(link);
                    Py_DECREF(it);
                    return -1;
                }
                o = Py_NewRef(PySequence_Fast_GET_ITEM(seq, 0));
                f = Py_NewRef(PySequence_Fast_GET_ITEM(seq, 1));
                t = Py_NewRef(PySequence_Fast_GET_ITEM(seq, 2));
                Py_DECREF(seq);
            }
            else {
                o = Py_NewRef(PyTuple_GET_ITEM(link, 0));
                f = Py_NewRef(PyTuple_GET_ITEM(link, 1));
                t = Py_NewRef(PyTuple_GET_ITEM(link, 2));
            }
            Py_DECREF(link);
            int failed = as_index(o, &off) < 0 || as_index(f, &field) < 0
                         || as_index(t, &table) < 0;
            Py_DECREF(o);
            Py_DECREF(f);
            Py_DECREF(t);
            if (failed) {
                Py_DECREF(it);
                return -1;
            }
            /* padded[p + off][field], with Python's negative indices. */
            PyObject *other = item(padded, p + off);
            PyObject *value = other != NULL ? item(other, field) : NULL;
            Py_XDECREF(other);
            if (value == NULL) {
                Py_DECREF(it);
                return -1;
            }
            int truth = PyUnicode_CheckExact(value) ? PyUnicode_GET_LENGTH(value) > 0
                                                    : PyObject_IsTrue(value);
            if (truth <= 0) {
                Py_DECREF(value);
                if (truth < 0) {
                    Py_DECREF(it);
                    return -1;
                }
                continue;
            }
            PyObject *mapping = item(tables, table);
            PyObject *row_obj = NULL;
            if (mapping != NULL) {
                if (PyDict_CheckExact(mapping)) {
                    row_obj = PyDict_GetItemWithError(mapping, value);
                    Py_XINCREF(row_obj);
                }
                else {
                    row_obj = PyObject_CallMethod(mapping, "get", "O", value);
                    if (row_obj == Py_None)
                        Py_CLEAR(row_obj);
                }
            }
            Py_DECREF(value);
            Py_XDECREF(mapping);
            if (row_obj == NULL) {
                if (PyErr_Occurred()) {
                    Py_DECREF(it);
                    return -1;
                }
                continue;
            }
            Py_ssize_t row;
            failed = row_obj == Py_None ? 0 : as_index(row_obj, &row) < 0
                     || add_row(out, n_out, state, n_state, n_labels, p - 2, row) < 0;
            Py_DECREF(row_obj);
            if (failed) {
                Py_DECREF(it);
                return -1;
            }
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            return -1;
    }
    return 0;
}

PyDoc_STRVAR(token_scores_doc,
"token_scores(padded, weights, tables, state, out)\n--\n\n"
"The first part of NameTagger._emissions into ``out`` (len(padded) - 4, labels):\n"
"each token's own weights plus its neighbours' gifts (weights: (len(padded), 5,\n"
"labels) float64), then the rows of the token pairs the model has (``tables``,\n"
"``state``), added in the order np.add.at adds them.");

static PyObject *
cdecode_token_scores(PyObject *self, PyObject *args)
{
    PyObject *padded, *w_obj, *tables, *s_obj, *o_obj;
    if (!PyArg_ParseTuple(args, "O!OOOO:token_scores", &PyList_Type, &padded, &w_obj, &tables,
                          &s_obj, &o_obj))
        return NULL;
    Py_buffer wv, sv, ov;
    if (get_array(w_obj, &wv, 3, 'd', 0, "weights") < 0)
        return NULL;
    if (get_array(s_obj, &sv, 2, 'd', 0, "state") < 0) {
        PyBuffer_Release(&wv);
        return NULL;
    }
    if (get_array(o_obj, &ov, 2, 'd', 1, "out") < 0) {
        PyBuffer_Release(&wv);
        PyBuffer_Release(&sv);
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t n_rows = wv.shape[0], n_labels = wv.shape[2];
    Py_ssize_t n_out = n_rows >= 4 ? n_rows - 4 : 0;
    if (wv.shape[1] != 5 || n_rows != PyList_GET_SIZE(padded) || ov.shape[0] != n_out
            || ov.shape[1] != n_labels || sv.shape[1] != n_labels) {
        PyErr_SetString(PyExc_ValueError, "token_scores: the shapes of the arrays do not match");
        goto done;
    }
    const double *w = wv.buf;
    double *out = ov.buf;
    Py_ssize_t stride = 5 * n_labels;
    /* weights[2:-2, 0] + weights[:-4, 1] + weights[1:-3, 2] + weights[3:-1, 3] + weights[4:, 4] */
    for (Py_ssize_t r = 0; r < n_out; r++) {
        const double *w0 = w + (r + 2) * stride, *w1 = w + r * stride + n_labels,
                     *w2 = w + (r + 1) * stride + 2 * n_labels,
                     *w3 = w + (r + 3) * stride + 3 * n_labels,
                     *w4 = w + (r + 4) * stride + 4 * n_labels;
        double *o = out + r * n_labels;
        for (Py_ssize_t l = 0; l < n_labels; l++)
            o[l] = (((w0[l] + w1[l]) + w2[l]) + w3[l]) + w4[l];
    }
    if (add_pairs(padded, tables, out, n_out, sv.buf, sv.shape[0], n_labels) < 0)
        goto done;
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&wv);
    PyBuffer_Release(&sv);
    PyBuffer_Release(&ov);
    return result;
}

/* The gazetteer context rows of one sentence, padded[first:first + length], added to out. */
static int
sentence_gazetteer(PyObject *padded, Py_ssize_t start, Py_ssize_t length,
                   PyObject *gazetteer_features, PyObject *gazetteer_rows,
                   double *out, Py_ssize_t n_out, const double *state, Py_ssize_t n_state,
                   Py_ssize_t n_labels)
{
    /* sent = padded[start + 2:start + 2 + length] */
    PyObject *sent = PySequence_GetSlice(padded, start + 2, start + 2 + length);
    if (sent == NULL)
        return -1;
    if (!PyList_CheckExact(sent)) {
        Py_DECREF(sent);
        PyErr_SetString(PyExc_TypeError, "gazetteer_scores: padded must be a list");
        return -1;
    }
    Py_ssize_t size = PyList_GET_SIZE(sent);
    int status = -1;
    PyObject *candidates = PyList_New(0), *words = NULL, *found = NULL, *gaz = NULL;
    char *named = NULL;
    if (candidates == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < size; k++) {
        PyObject *flag = item(PyList_GET_ITEM(sent, k), ENTRY_GAZETTEER);
        if (flag == NULL)
            goto done;
        int truth = PyObject_IsTrue(flag);
        Py_DECREF(flag);
        if (truth < 0)
            goto done;
        if (truth) {
            PyObject *index = PyLong_FromSsize_t(k);
            if (index == NULL || PyList_Append(candidates, index) < 0) {
                Py_XDECREF(index);
                goto done;
            }
            Py_DECREF(index);
        }
    }
    if (PyList_GET_SIZE(candidates) == 0) {
        status = 0;
        goto done;
    }
    words = PyList_New(size);
    if (words == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < size; k++) {
        PyObject *word = item(PyList_GET_ITEM(sent, k), ENTRY_WORD);
        if (word == NULL)
            goto done;
        PyList_SET_ITEM(words, k, word);
    }
    found = PyObject_CallFunctionObjArgs(gazetteer_features, words, candidates, NULL);
    if (found == NULL)
        goto done;
    /* gaz = ["", *found, ""] */
    gaz = PySequence_List(found);
    if (gaz == NULL)
        goto done;
    PyObject *empty = PyUnicode_New(0, 0);
    if (empty == NULL)
        goto done;
    int failed = PyList_Insert(gaz, 0, empty) < 0 || PyList_Append(gaz, empty) < 0;
    Py_DECREF(empty);
    if (failed)
        goto done;
    /* named = {n for k, cls in enumerate(gaz) if cls for n in (k - 2, k - 1, k)} & range(length) */
    Py_ssize_t span = length > 0 ? length : 0;
    named = PyMem_Calloc((size_t)span + 1, 1);
    if (named == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(gaz); k++) {
        int truth = PyObject_IsTrue(PyList_GET_ITEM(gaz, k));
        if (truth < 0)
            goto done;
        if (truth)
            for (Py_ssize_t m = k - 2; m <= k; m++)
                if (m >= 0 && m < span)
                    named[m] = 1;
    }
    Py_ssize_t n_gaz = PyList_GET_SIZE(gaz);
    for (Py_ssize_t k = 0; k < span; k++) {
        if (!named[k])
            continue;
        /* gazetteer_rows(*gaz[k:k + 3]) */
        Py_ssize_t stop = k + 3 < n_gaz ? k + 3 : n_gaz;
        PyObject *window = PyList_GetSlice(gaz, k, stop);
        PyObject *call_args = window != NULL ? PyList_AsTuple(window) : NULL;
        Py_XDECREF(window);
        PyObject *rows = call_args != NULL ? PyObject_Call(gazetteer_rows, call_args, NULL) : NULL;
        Py_XDECREF(call_args);
        if (rows == NULL)
            goto done;
        PyObject *it = PyObject_GetIter(rows);
        Py_DECREF(rows);
        if (it == NULL)
            goto done;
        PyObject *row_obj;
        while ((row_obj = PyIter_Next(it)) != NULL) {
            Py_ssize_t row;
            int bad = as_index(row_obj, &row) < 0
                      || add_row(out, n_out, state, n_state, n_labels, start + k, row) < 0;
            Py_DECREF(row_obj);
            if (bad) {
                Py_DECREF(it);
                goto done;
            }
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            goto done;
    }
    status = 0;
done:
    PyMem_Free(named);
    Py_DECREF(sent);
    Py_XDECREF(candidates);
    Py_XDECREF(words);
    Py_XDECREF(found);
    Py_XDECREF(gaz);
    return status;
}

PyDoc_STRVAR(gazetteer_scores_doc,
"gazetteer_scores(padded, starts, lengths, gazetteer_features, gazetteer_rows, state, out)\n"
"--\n\n"
"The second part of NameTagger._emissions: the rows of each sentence's gazetteer\n"
"contexts added to ``out``, sentence by sentence, in the order np.add.at adds them.");

static PyObject *
cdecode_gazetteer_scores(PyObject *self, PyObject *args)
{
    PyObject *padded, *starts, *lengths, *features, *rows, *s_obj, *o_obj;
    if (!PyArg_ParseTuple(args, "O!O!O!OOOO:gazetteer_scores", &PyList_Type, &padded,
                          &PyList_Type, &starts, &PyList_Type, &lengths, &features, &rows,
                          &s_obj, &o_obj))
        return NULL;
    if (PyList_GET_SIZE(starts) != PyList_GET_SIZE(lengths)) {
        PyErr_SetString(PyExc_ValueError, "gazetteer_scores: as many starts as lengths");
        return NULL;
    }
    Py_buffer sv, ov;
    if (get_array(s_obj, &sv, 2, 'd', 0, "state") < 0)
        return NULL;
    if (get_array(o_obj, &ov, 2, 'd', 1, "out") < 0) {
        PyBuffer_Release(&sv);
        return NULL;
    }
    PyObject *result = NULL;
    if (sv.shape[1] != ov.shape[1]) {
        PyErr_SetString(PyExc_ValueError, "gazetteer_scores: the shapes of the arrays do not match");
        goto done;
    }
    for (Py_ssize_t s = 0; s < PyList_GET_SIZE(starts); s++) {
        Py_ssize_t start, length;
        if (as_index(PyList_GET_ITEM(starts, s), &start) < 0
                || as_index(PyList_GET_ITEM(lengths, s), &length) < 0)
            goto done;
        if (sentence_gazetteer(padded, start, length, features, rows, ov.buf, ov.shape[0],
                               sv.buf, sv.shape[0], ov.shape[1]) < 0)
            goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&sv);
    PyBuffer_Release(&ov);
    return result;
}

/* --- pieces and sentences ---------------------------------------------------------- */

/* An attribute of ``obj``, or for an exact ``type`` (a named tuple) its field ``index``. */
static PyObject *
field(PyObject *obj, PyTypeObject *type, Py_ssize_t index, PyObject *name)
{
    if (Py_TYPE(obj) == type && PyTuple_GET_SIZE(obj) > index)
        return Py_NewRef(PyTuple_GET_ITEM(obj, index));
    return PyObject_GetAttr(obj, name);
}

static PyObject *str_text, *str_start, *str_end, *str_is_word;

/* tuple.__new__(piece_type, (text, start, end, is_word)); steals text, start and end. */
static PyObject *
new_piece(PyTypeObject *piece_type, PyObject *text, PyObject *start, PyObject *end,
          PyObject *is_word)
{
    if (text == NULL || start == NULL || end == NULL) {
        Py_XDECREF(text);
        Py_XDECREF(start);
        Py_XDECREF(end);
        return NULL;
    }
    PyObject *piece = piece_type->tp_alloc(piece_type, 4);
    if (piece == NULL) {
        Py_DECREF(text);
        Py_DECREF(start);
        Py_DECREF(end);
        return NULL;
    }
    PyTuple_SET_ITEM(piece, 0, text);
    PyTuple_SET_ITEM(piece, 1, start);
    PyTuple_SET_ITEM(piece, 2, end);
    PyTuple_SET_ITEM(piece, 3, Py_NewRef(is_word));
    /* A piece of a str and two ints holds no container: it can be in no cycle,
     * and the garbage collector need not scan the few hundred of each text. */
    if (piece_type->tp_dictoffset == 0 && PyUnicode_CheckExact(text)
            && PyLong_CheckExact(start) && PyLong_CheckExact(end) && PyObject_GC_IsTracked(piece))
        PyObject_GC_UnTrack(piece);
    return piece;
}

/* text[i] as a code point, with Python's negative indices; -1 and IndexError outside. */
static Py_UCS4
char_at(PyObject *text, Py_ssize_t i, int *error)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (i < 0)
        i += n;
    if (i < 0 || i >= n) {
        PyErr_SetString(PyExc_IndexError, "string index out of range");
        *error = 1;
        return 0;
    }
    return PyUnicode_READ_CHAR(text, i);
}

/* ner._punctuation(text, start, end) appended to ``out``. */
static int
punctuation(PyObject *out, PyTypeObject *piece_type, PyObject *text, Py_ssize_t start,
            Py_ssize_t end)
{
    int error = 0;
    Py_ssize_t i = start;
    while (i < end) {
        Py_UCS4 c = char_at(text, i, &error);
        if (error)
            return -1;
        if (Py_UNICODE_ISSPACE(c) || !Py_UNICODE_ISPRINTABLE(c)) {
            i++;
            continue;
        }
        Py_ssize_t j = i + 1;
        while (j < end) {  /* runs like -- or ... stay one piece */
            Py_UCS4 d = char_at(text, j, &error);
            if (error)
                return -1;
            if (d != c)
                break;
            j++;
        }
        /* text[i:j] as Python slices it */
        Py_ssize_t n = PyUnicode_GET_LENGTH(text), a = i, b = j;
        if (a < 0)
            a = a + n < 0 ? 0 : a + n;
        if (b < 0)
            b = b + n < 0 ? 0 : b + n;
        if (a > n)
            a = n;
        if (b > n)
            b = n;
        if (b < a)
            b = a;
        PyObject *piece = new_piece(piece_type, PyUnicode_Substring(text, a, b),
                                    PyLong_FromSsize_t(i), PyLong_FromSsize_t(j), Py_False);
        if (piece == NULL)
            return -1;
        int failed = PyList_Append(out, piece);
        Py_DECREF(piece);
        if (failed)
            return -1;
        i = j;
    }
    return 0;
}

PyDoc_STRVAR(pieces_doc,
"pieces(text, tokens, piece_type)\n--\n\n"
"ner.pieces: the words of ``text`` (``tokens``, an iterable of tokenize's tokens)\n"
"and the punctuation between them, as ``piece_type`` (ner.Piece) tuples.");

static PyObject *
cdecode_pieces(PyObject *self, PyObject *args)
{
    PyObject *text, *tokens;
    PyTypeObject *piece_type;
    if (!PyArg_ParseTuple(args, "UOO!:pieces", &text, &tokens, &PyType_Type, &piece_type))
        return NULL;
    if (!PyType_IsSubtype(piece_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "pieces: piece_type must be a tuple type");
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    PyObject *it = PyObject_GetIter(tokens);
    if (it == NULL) {
        Py_DECREF(out);
        return NULL;
    }
    Py_ssize_t pos = 0;
    PyObject *tok;
    while ((tok = PyIter_Next(it)) != NULL) {
        PyObject *word = PyObject_GetAttr(tok, str_text);
        PyObject *start = word != NULL ? PyObject_GetAttr(tok, str_start) : NULL;
        PyObject *end = start != NULL ? PyObject_GetAttr(tok, str_end) : NULL;
        Py_DECREF(tok);
        Py_ssize_t s = 0, e = 0;
        int failed = end == NULL;
        if (!failed) {
            s = PyNumber_AsSsize_t(start, PyExc_OverflowError);
            failed = s == -1 && PyErr_Occurred();
        }
        if (!failed) {
            e = PyNumber_AsSsize_t(end, PyExc_OverflowError);
            failed = e == -1 && PyErr_Occurred();
        }
        /* The gap before the word: a run of white space gives no piece either way. */
        failed = failed || punctuation(out, piece_type, text, pos, s) < 0;
        if (failed) {
            Py_XDECREF(word);
            Py_XDECREF(start);
            Py_XDECREF(end);
            goto fail;
        }
        PyObject *piece = new_piece(piece_type, word, start, end, Py_True);
        if (piece == NULL)
            goto fail;
        failed = PyList_Append(out, piece);
        Py_DECREF(piece);
        if (failed)
            goto fail;
        pos = e;
    }
    if (PyErr_Occurred())
        goto fail;
    Py_DECREF(it);
    if (punctuation(out, piece_type, text, pos, PyUnicode_GET_LENGTH(text)) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
fail:
    Py_DECREF(it);
    Py_DECREF(out);
    return NULL;
}

PyDoc_STRVAR(sentences_doc,
"sentences(items, text, piece_type, ends, longest)\n--\n\n"
"ner.sentences as a list: pieces cut after a mark whose first character is in\n"
"``ends`` (a container), at line breaks in ``text``, and after ``longest`` pieces.");

static PyObject *
cdecode_sentences(PyObject *self, PyObject *args)
{
    PyObject *items, *text, *ends;
    PyTypeObject *piece_type;
    Py_ssize_t longest;
    if (!PyArg_ParseTuple(args, "OUO!On:sentences", &items, &text, &PyType_Type, &piece_type,
                          &ends, &longest))
        return NULL;
    Py_ssize_t n_text = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *out = PyList_New(0), *current = PyList_New(0), *it = NULL, *piece = NULL;
    if (out == NULL || current == NULL)
        goto fail;
    it = PyObject_GetIter(items);
    if (it == NULL)
        goto fail;
    /* The next line break in text; PY_SSIZE_T_MAX (sys.maxsize) when there is none. */
    Py_ssize_t scan = 0, next_break;
    for (; scan < n_text; scan++)
        if (PyUnicode_READ(kind, data, scan) == '\n')
            break;
    next_break = scan < n_text ? scan : PY_SSIZE_T_MAX;
    while ((piece = PyIter_Next(it)) != NULL) {
        PyObject *start_obj = field(piece, piece_type, 1, str_start);
        if (start_obj == NULL)
            goto fail;
        Py_ssize_t start = PyNumber_AsSsize_t(start_obj, NULL);  /* clipped, compared only */
        Py_DECREF(start_obj);
        if (start == -1 && PyErr_Occurred())
            goto fail;
        if (next_break < start) {  /* a line break since the last piece */
            while (next_break < start) {
                for (scan = next_break + 1; scan < n_text; scan++)
                    if (PyUnicode_READ(kind, data, scan) == '\n')
                        break;
                next_break = scan < n_text ? scan : PY_SSIZE_T_MAX;
            }
            if (PyList_GET_SIZE(current) > 0) {
                if (PyList_Append(out, current) < 0)
                    goto fail;
                Py_SETREF(current, PyList_New(0));
                if (current == NULL)
                    goto fail;
            }
        }
        if (PyList_Append(current, piece) < 0)
            goto fail;
        /* at_end = not piece.is_word and piece.text[0] in ends and not (
               piece.text == "." and text[piece.end:piece.end + 1].isalnum()) */
        int at_end = 0;
        PyObject *is_word = field(piece, piece_type, 3, str_is_word);
        if (is_word == NULL)
            goto fail;
        int word = PyObject_IsTrue(is_word);
        Py_DECREF(is_word);
        if (word < 0)
            goto fail;
        if (!word) {
            PyObject *own = field(piece, piece_type, 0, str_text);
            if (own == NULL)
                goto fail;
            PyObject *first = PySequence_GetItem(own, 0);
            if (first == NULL) {
                Py_DECREF(own);
                goto fail;
            }
            int in_ends = PySequence_Contains(ends, first);
            Py_DECREF(first);
            if (in_ends < 0) {
                Py_DECREF(own);
                goto fail;
            }
            at_end = in_ends;
            if (at_end) {
                int is_stop = PyUnicode_Check(own) && PyUnicode_GET_LENGTH(own) == 1
                              && PyUnicode_READ_CHAR(own, 0) == '.';
                if (!is_stop && !PyUnicode_CheckExact(own)) {
                    /* a str subclass or another sequence: compared as Python compares */
                    PyObject *stop = PyUnicode_FromString(".");
                    is_stop = stop != NULL ? PyObject_RichCompareBool(own, stop, Py_EQ) : -1;
                    Py_XDECREF(stop);
                    if (is_stop < 0) {
                        Py_DECREF(own);
                        goto fail;
                    }
                }
                if (is_stop) {
                    PyObject *end_obj = field(piece, piece_type, 2, str_end);
                    if (end_obj == NULL) {
                        Py_DECREF(own);
                        goto fail;
                    }
                    Py_ssize_t e = PyNumber_AsSsize_t(end_obj, NULL);  /* clipped as slices clip */
                    Py_DECREF(end_obj);
                    if (e == -1 && PyErr_Occurred()) {
                        Py_DECREF(own);
                        goto fail;
                    }
                    /* text[e:e + 1] as Python slices it; .isalnum() of it */
                    Py_ssize_t a = e, b = e < PY_SSIZE_T_MAX ? e + 1 : e;
                    if (a < 0)
                        a = a + n_text < 0 ? 0 : a + n_text;
                    if (b < 0)
                        b = b + n_text < 0 ? 0 : b + n_text;
                    if (a > n_text)
                        a = n_text;
                    if (b > n_text)
                        b = n_text;
                    if (b - a == 1 && Py_UNICODE_ISALNUM(PyUnicode_READ(kind, data, a)))
                        at_end = 0;
                }
            }
            Py_DECREF(own);
        }
        Py_CLEAR(piece);
        if (at_end || PyList_GET_SIZE(current) >= longest) {
            if (PyList_Append(out, current) < 0)
                goto fail;
            Py_SETREF(current, PyList_New(0));
            if (current == NULL)
                goto fail;
        }
    }
    if (PyErr_Occurred())
        goto fail;
    if (PyList_GET_SIZE(current) > 0 && PyList_Append(out, current) < 0)
        goto fail;
    Py_DECREF(current);
    Py_DECREF(it);
    return out;
fail:
    Py_XDECREF(piece);
    Py_XDECREF(it);
    Py_XDECREF(current);
    Py_XDECREF(out);
    return NULL;
}

/* --- module ------------------------------------------------------------------------ */

static PyMethodDef cdecode_methods[] = {
    {"viterbi", cdecode_viterbi, METH_VARARGS, viterbi_doc},
    {"token_scores", cdecode_token_scores, METH_VARARGS, token_scores_doc},
    {"gazetteer_scores", cdecode_gazetteer_scores, METH_VARARGS, gazetteer_scores_doc},
    {"pieces", cdecode_pieces, METH_VARARGS, pieces_doc},
    {"sentences", cdecode_sentences, METH_VARARGS, sentences_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef cdecode_module = {
    PyModuleDef_HEAD_INIT,
    "arsearch.extract._cdecode",
    "The name tagger's decoding in C (twins in arsearch.extract.crf and .ner).",
    -1,
    cdecode_methods,
};

PyMODINIT_FUNC
PyInit__cdecode(void)
{
    str_text = PyUnicode_InternFromString("text");
    str_start = PyUnicode_InternFromString("start");
    str_end = PyUnicode_InternFromString("end");
    str_is_word = PyUnicode_InternFromString("is_word");
    if (str_text == NULL || str_start == NULL || str_end == NULL || str_is_word == NULL)
        return NULL;
    return PyModule_Create(&cdecode_module);
}
