"""Other answers to the exercises of 02_numpy: plausible mistakes (WRONG) and other correct solutions (RIGHT).

Each entry is (exercise, why, code that replaces the exercise's solution cell); see docs/authoring.md.
"""

WRONG = [
    # --- linear_warmup
    ("linear_warmup", "starts at 0 (linspace from 0): the first step is wasted and the spacing is wrong", '''
def linear_warmup(peak_lr, n_steps):
    return np.linspace(0, peak_lr, n_steps)
'''),
    ("linear_warmup", "arange with a float step: for some peaks (3e-4 over 10 steps) one value too many", '''
def linear_warmup(peak_lr, n_steps):
    step = peak_lr / n_steps
    return np.arange(step, peak_lr + step, step)
'''),
    # --- brighten
    ("brighten", "adds in uint8, so 250 + 10 wraps around to 4 before the clip", '''
def brighten(img, amount):
    return np.clip(img + amount, 0, 255)
'''),
    ("brighten", "computes in int64 but forgets to convert back to uint8", '''
def brighten(img, amount):
    return np.clip(img.astype(np.int64) + amount, 0, 255)
'''),
    ("brighten", "clamps only at 255: a negative amount wraps around below 0", '''
def brighten(img, amount):
    return np.minimum(img.astype(np.int64) + amount, 255).astype(np.uint8)
'''),
    # --- flatten_batch
    ("flatten_batch", "flattens the batch axis away too", '''
def flatten_batch(x):
    return x.flatten()
'''),
    ("flatten_batch", "assumes image batches (B, C, H, W): fails for any other number of axes", '''
def flatten_batch(x):
    B, C, H, W = x.shape
    return x.reshape(B, C * H * W)
'''),
    # --- reverse_every_other
    ("reverse_every_other", "reverses but does not skip every other row", '''
def reverse_every_other(x):
    return x[::-1]
'''),
    ("reverse_every_other", "every other row, then reversed: starts from row 0, wrong for an even number of rows", '''
def reverse_every_other(x):
    return x[::2][::-1]
'''),
    # --- one_hot
    ("one_hot", "x[:, labels] = 1 sets whole columns for every row", '''
def one_hot(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[:, labels] = 1
    return out
'''),
    ("one_hot", "takes the number of classes from the data (max + 1), ignoring num_classes", '''
def one_hot(labels, num_classes):
    return np.eye(labels.max() + 1)[labels]
'''),
    # --- select_confident
    ("select_confident", "an entry-wise mask: returns a 1-D array of single probabilities, not rows", '''
def select_confident(probs, threshold):
    return probs[probs >= threshold]
'''),
    ("select_confident", "strict > instead of 'at least': drops a row whose maximum equals the threshold", '''
def select_confident(probs, threshold):
    return probs[probs.max(axis=1) > threshold]
'''),
    ("select_confident", "builds the result from a list: when no row qualifies the shape is (0,), not (0, C)", '''
def select_confident(probs, threshold):
    return np.array([row for row in probs if row.max() >= threshold])
'''),
    # --- clip_negative_inplace
    ("clip_negative_inplace", "rebinds the local name to a new array: the caller's array never changes", '''
def clip_negative_inplace(x):
    x = np.maximum(x, 0)
'''),
    ("clip_negative_inplace", "writes through x.ravel(), which is a copy for non-contiguous views such as a.T", '''
def clip_negative_inplace(x):
    flat = x.ravel()
    flat[flat < 0] = 0
'''),
    # --- pairwise_sq_dists
    ("pairwise_sq_dists", "no new axes: subtracts row i from row i only (and needs N == M)", '''
def pairwise_sq_dists(a, b):
    return ((a - b) ** 2).sum(axis=-1)
'''),
    ("pairwise_sq_dists", "distances rather than squared distances", '''
def pairwise_sq_dists(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))
'''),
    ("pairwise_sq_dists", "new axes the wrong way round: an (M, N) table, invisible when a is b", '''
def pairwise_sq_dists(a, b):
    return ((a[None, :, :] - b[:, None, :]) ** 2).sum(axis=-1)
'''),
    # --- accuracy
    ("accuracy", "argmax without an axis: one index into the flattened array", '''
def accuracy(logits, labels):
    return (logits.argmax() == labels).mean()
'''),
    ("accuracy", "argmax over axis=1: the class axis only for 2-D logits", '''
def accuracy(logits, labels):
    return (logits.argmax(axis=1) == labels).mean()
'''),
    ("accuracy", "divides by len(labels), the batch size, instead of the number of positions", '''
def accuracy(logits, labels):
    return (logits.argmax(axis=-1) == labels).sum() / len(labels)
'''),
    # --- rows_to_distributions
    ("rows_to_distributions", "the keepdims bug: row sums line up with the columns (silently, for a square input)", '''
def rows_to_distributions(x):
    return x / x.sum(axis=1)
'''),
    ("rows_to_distributions", "divides x by its sums in place", '''
def rows_to_distributions(x):
    x = x.astype(np.float64, copy=False)
    x /= x.sum(axis=-1, keepdims=True)
    return x
'''),
    ("rows_to_distributions", "normalises the columns instead of the rows", '''
def rows_to_distributions(x):
    return x / x.sum(axis=0, keepdims=True)
'''),
    ("rows_to_distributions", "axis=1 instead of the last axis: wrong for (B, T, H)", '''
def rows_to_distributions(x):
    return x / x.sum(axis=1, keepdims=True)
'''),
    ("rows_to_distributions", "[:, None] instead of keepdims: right only for 2-D input", '''
def rows_to_distributions(x):
    return x / x.sum(axis=-1)[:, None]
'''),
    # --- relu
    ("relu", "x[x > 0] keeps only the positive entries, as a shorter 1-D array", '''
def relu(x):
    return x[x > 0]
'''),
    ("relu", "np.max(x, 0) reduces along axis 0 instead of comparing with 0", '''
def relu(x):
    return np.max(x, 0)
'''),
    ("relu", "clips in place: the layer's input is overwritten", '''
def relu(x):
    x[x < 0] = 0
    return x
'''),
    # --- sigmoid
    ("sigmoid", "negates x in place before the exp", '''
def sigmoid(x):
    np.negative(x, out=x)
    return 1 / (1 + np.exp(x))
'''),
    ("sigmoid", "sign slip: computes sigmoid(-x)", '''
def sigmoid(x):
    return 1 / (1 + np.exp(x))
'''),
    ("sigmoid", "exp(x) / (1 + exp(x)): inf / inf = nan for large positive x", '''
def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))
'''),
    # --- softmax
    ("softmax", "the keepdims bug: sums line up with the wrong axis", '''
def softmax(x, axis=None):
    e = np.exp(x)
    return e / e.sum(axis=axis)
'''),
    ("softmax", "treats axis=None as the last axis instead of all entries", '''
def softmax(x, axis=None):
    e = np.exp(x)
    return e / e.sum(axis=-1 if axis is None else axis, keepdims=True)
'''),
    ("softmax", "guides broadcasting with [:, None] for axis 1 / -1: right only for 2-D input", '''
def softmax(x, axis=None):
    e = np.exp(x)
    s = e.sum(axis=axis)
    if axis in (1, -1):
        s = s[:, None]
    return e / s
'''),
    ("softmax", "np.exp(x, out=x): right values, but the caller's logits are overwritten", '''
def softmax(x, axis=None):
    e = np.exp(x, out=x)
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("softmax", "x[...] = np.exp(x): writes the exponentials into the input", '''
def softmax(x, axis=None):
    x[...] = np.exp(x)
    return x / x.sum(axis=axis, keepdims=True)
'''),
    ("softmax", "divides in place into the input after exponentiating it", '''
def softmax(x, axis=None):
    np.exp(x, out=x)
    x /= x.sum(axis=axis, keepdims=True)
    return x
'''),
    # --- stable_softmax
    ("stable_softmax", "x -= max in place: right values, the caller's logits change", '''
def stable_softmax(x, axis=None):
    x -= x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("stable_softmax", "np.subtract(..., out=x) then in-place exp", '''
def stable_softmax(x, axis=None):
    np.subtract(x, np.max(x, axis=axis, keepdims=True), out=x)
    np.exp(x, out=x)
    return x / np.sum(x, axis=axis, keepdims=True)
'''),
    ("stable_softmax", "writes the shifted values into x through x[...]", '''
def stable_softmax(x, axis=None):
    x[...] = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("stable_softmax", "no max subtraction: exp(1000) overflows to inf and the result is nan", '''
def stable_softmax(x, axis=None):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("stable_softmax", "subtracts the global maximum: a row around -1000 underflows to 0 / 0", '''
def stable_softmax(x, axis=None):
    e = np.exp(x - x.max())
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("stable_softmax", "max without keepdims: the row maxima are subtracted from the columns", '''
def stable_softmax(x, axis=None):
    e = np.exp(x - x.max(axis=axis))
    return e / e.sum(axis=axis, keepdims=True)
'''),
    # --- layernorm
    ("layernorm", "unbiased variance (ddof=1) instead of np.var's mean of squared deviations", '''
def layernorm(x):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True, ddof=1)
    return (x - mean) / np.sqrt(var + 1e-5)
'''),
    ("layernorm", "normalises over the batch axis (that is batchnorm)", '''
def layernorm(x):
    mean = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5)
'''),
    ("layernorm", "no eps: a constant row gives 0/0 = nan", '''
def layernorm(x):
    mean = x.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x - mean) / np.sqrt(x.var(axis=-1, keepdims=True))
'''),
    ("layernorm", "eps outside the square root: wrong for a near-constant token", '''
def layernorm(x):
    mean = x.mean(axis=-1, keepdims=True)
    return (x - mean) / (x.std(axis=-1, keepdims=True) + 1e-8)
'''),
    ("layernorm", "PyTorch's eps 1e-5 instead of the 1e-8 the text asks for: wrong for a near-constant token", '''
def layernorm(x):
    mean = x.mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-5)
'''),
    ("layernorm", "centres x in place (x -= mean): the caller's activations are overwritten", '''
def layernorm(x):
    x -= x.mean(axis=-1, keepdims=True)
    return x / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-8)
'''),
    # --- batchnorm
    ("batchnorm", "normalises each example over its features (that is layernorm)", '''
def batchnorm(x, gamma=None, beta=None):
    y = (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-5)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y
'''),
    ("batchnorm", "ignores gamma and beta", '''
def batchnorm(x, gamma=None, beta=None):
    return (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
'''),
    ("batchnorm", "statistics over axis 0 only: for (N, L, C) each position gets its own statistics", '''
def batchnorm(x, gamma=None, beta=None):
    y = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y
'''),
    ("batchnorm", "eps outside the square root: std + eps, wrong for a near-constant channel", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    y = (x - x.mean(axis=axes)) / (x.std(axis=axes) + 1e-5)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y
'''),
    ("batchnorm", "eps 1e-8 instead of 1e-5: a near-constant channel is blown up to unit variance", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    y = (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + 1e-8)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y
'''),
    ("batchnorm", "normalises x in place with -= and /=", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    x -= x.mean(axis=axes)
    x /= np.sqrt(x.var(axis=axes) + 1e-5)
    if gamma is not None:
        x = x * gamma
    if beta is not None:
        x = x + beta
    return x
'''),
    ("batchnorm", "forgets to add beta", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    y = (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + 1e-5)
    if gamma is not None:
        y = y * gamma
    return y
'''),
    # --- rmsnorm
    ("rmsnorm", "divides by the L2 norm, forgetting to average over H", '''
def rmsnorm(x, gamma=None):
    y = x / np.sqrt(np.sum(x**2, axis=-1, keepdims=True) + 1e-5)
    return y if gamma is None else y * gamma
'''),
    ("rmsnorm", "scales x in place with /=", '''
def rmsnorm(x, gamma=None):
    x /= np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + 1e-5)
    return x if gamma is None else x * gamma
'''),
    ("rmsnorm", "subtracts the mean first (that is layernorm)", '''
def rmsnorm(x, gamma=None):
    x = x - x.mean(axis=-1, keepdims=True)
    y = x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + 1e-5)
    return y if gamma is None else y * gamma
'''),
    ("rmsnorm", "eps added outside the square root (via np.linalg.norm)", '''
def rmsnorm(x, gamma=None):
    rms = np.linalg.norm(x, axis=-1, keepdims=True) / np.sqrt(x.shape[-1])
    y = x / (rms + 1e-5)
    return y if gamma is None else y * gamma
'''),
    ("rmsnorm", "mean of squares over axis=1: the feature axis only for 2-D input", '''
def rmsnorm(x, gamma=None):
    y = x / np.sqrt(np.mean(x**2, axis=1, keepdims=True) + 1e-5)
    return y if gamma is None else y * gamma
'''),
    # --- projections
    ("project_matmul", "multiplies in the other order and forgets to transpose back: (H, B)", '''
def project_matmul(x, w):
    return w.T @ x.T
'''),
    ("project_matmul", "squeezes the result: a batch of one loses its batch axis", '''
def project_matmul(x, w):
    return np.squeeze(x @ w)
'''),
    ("project_dot", "np.inner contracts the last axes of both: needs F == H and computes x @ w.T", '''
def project_dot(x, w):
    return np.inner(x, w)
'''),
    ("project_dot", "casts back to x's dtype: integer (one-hot) inputs get their products truncated", '''
def project_dot(x, w):
    return np.dot(x, w).astype(x.dtype)
'''),
    ("project_einsum", "labels w as (H, F), the layout of torch.nn.Linear's weight", '''
def project_einsum(x, w):
    return np.einsum("bf,hf->bh", x, w)
'''),
    ("project_einsum", "squeezes the result: H = 1 or B = 1 loses an axis", '''
def project_einsum(x, w):
    return np.einsum("bf,fh->bh", x, w).squeeze()
'''),
    ("project_broadcast", "sums over the batch axis instead of the feature axis", '''
def project_broadcast(x, w):
    return (x[:, :, None] * w[None, :, :]).sum(axis=0)
'''),
    ("project_broadcast", "accumulates into zeros of x's dtype: fails for integer x with float w", '''
def project_broadcast(x, w):
    out = np.zeros((x.shape[0], w.shape[1]), dtype=x.dtype)
    for f in range(x.shape[1]):
        out += x[:, f, None] * w[f]
    return out
'''),
    # --- multihead_project
    ("multihead_project", "x @ w: pairs x's features with w's head axis (a shape error, or silently wrong)", '''
def multihead_project(x, w):
    B, T, F = x.shape
    _, N, H = w.shape
    return (x @ w).reshape(B, T, N, H)
'''),
    ("multihead_project", "heads before time, as attention code often wants: (B, N, T, H)", '''
def multihead_project(x, w):
    return np.einsum("btf,fnh->bnth", x, w)
'''),
    ("multihead_project", "np.dot sums over w's second-to-last axis (N), not F", '''
def multihead_project(x, w):
    return np.dot(x, w)
'''),
    ("multihead_project", "squeezes the result: a single head or sequence loses its axis", '''
def multihead_project(x, w):
    return np.einsum("btf,fnh->btnh", x, w).squeeze()
'''),
    # --- the text's instructions (use the tool in the name; no @ / matmul / dot / einsum; a slice; no loops)
    ("project_broadcast", "uses the @ operator, which the exercise rules out", '''
def project_broadcast(x, w):
    return x @ w
'''),
    ("project_broadcast", "np.dot through an alias, which the exercise rules out", '''
from numpy import dot as product

def project_broadcast(x, w):
    return product(x, w)
'''),
    ("project_broadcast", "np.einsum, which the exercise rules out", '''
def project_broadcast(x, w):
    return np.einsum("bf,fh->bh", x, w)
'''),
    ("project_broadcast", "np.matmul hidden in a helper function", '''
def _times(a, b):
    return np.matmul(a, b)

def project_broadcast(x, w):
    return _times(x, w)
'''),
    ("project_einsum", "the @ operator instead of np.einsum", '''
def project_einsum(x, w):
    return x @ w
'''),
    ("project_einsum", "np.tensordot instead of np.einsum", '''
def project_einsum(x, w):
    return np.tensordot(x, w, axes=1)
'''),
    ("project_dot", "np.matmul instead of np.dot", '''
def project_dot(x, w):
    return np.matmul(x, w)
'''),
    ("project_matmul", "np.einsum instead of @ / np.matmul", '''
def project_matmul(x, w):
    return np.einsum("bf,fh->bh", x, w)
'''),
    ("multihead_project", "folds the heads into columns and uses @: right values, but not np.einsum", '''
def multihead_project(x, w):
    B, T, F = x.shape
    _, N, H = w.shape
    return (x @ w.reshape(F, N * H)).reshape(B, T, N, H)
'''),
    ("multihead_project", "np.tensordot: right values, but not np.einsum", '''
def multihead_project(x, w):
    return np.tensordot(x, w, axes=([2], [0]))
'''),
    ("reverse_every_other", "integer-array indexing: right rows, but a copy, not a slice", '''
def reverse_every_other(x):
    return x[np.arange(len(x) - 1, -1, -2)]
'''),
    ("reverse_every_other", "np.take with a range: a copy, not a slice", '''
def reverse_every_other(x):
    return np.take(x, range(len(x) - 1, -1, -2), axis=0)
'''),
    ("reverse_every_other", "stacks the rows in a loop: a copy, not a slice", '''
def reverse_every_other(x):
    return np.stack([x[i] for i in range(len(x) - 1, -1, -2)])
'''),
    ("pairwise_sq_dists", "a list comprehension over the rows of a instead of broadcasting", '''
def pairwise_sq_dists(a, b):
    return np.array([((row - b) ** 2).sum(axis=-1) for row in a])
'''),
    ("pairwise_sq_dists", "a for loop filling the table", '''
def pairwise_sq_dists(a, b):
    out = np.zeros((len(a), len(b)))
    for i in range(len(a)):
        out[i] = ((a[i] - b) ** 2).sum(axis=-1)
    return out
'''),
    ("pairwise_sq_dists", "a while loop over the rows of b", '''
def pairwise_sq_dists(a, b):
    cols, j = [], 0
    while j < len(b):
        cols.append(((a - b[j]) ** 2).sum(axis=-1))
        j += 1
    return np.stack(cols, axis=1)
'''),
    # --- inputs modified in place
    ("flatten_batch", "sets x.shape: right result, but the caller's array is reshaped", '''
def flatten_batch(x):
    x.shape = (x.shape[0], -1)
    return x
'''),
    ("pairwise_sq_dists", "centres a and b in place to save memory", '''
def pairwise_sq_dists(a, b):
    a -= 0
    m = b.mean(axis=0)
    a -= m
    b -= m
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)
'''),
    ("project_broadcast", "scales x in place by 1 after casting, then broadcasts", '''
def project_broadcast(x, w):
    x *= 2
    return (x[:, :, None] * w[None, :, :]).sum(axis=1) / 2
'''),
]

RIGHT = [
    ("linear_warmup", "np.linspace from the first step to the peak", '''
def linear_warmup(peak_lr, n_steps):
    return np.linspace(peak_lr / n_steps, peak_lr, n_steps)
'''),
    ("linear_warmup", "float32 result from integer steps", '''
def linear_warmup(peak_lr, n_steps):
    return (np.arange(n_steps, dtype=np.float32) + 1) * np.float32(peak_lr / n_steps)
'''),
    ("brighten", "computes in int16 and clips with np.minimum / np.maximum", '''
def brighten(img, amount):
    wide = img.astype(np.int16) + amount
    return np.maximum(np.minimum(wide, 255), 0).astype(np.uint8)
'''),
    ("brighten", "computes in float", '''
def brighten(img, amount):
    return np.clip(img / 1.0 + amount, 0, 255).astype(np.uint8)
'''),
    ("flatten_batch", "len(x) and the product of the other sizes", '''
def flatten_batch(x):
    return x.reshape(len(x), int(np.prod(x.shape[1:])))
'''),
    ("flatten_batch", "stacks each example's ravel()", '''
def flatten_batch(x):
    return np.stack([example.ravel() for example in x])
'''),
    ("reverse_every_other", "np.flip, then every second row", '''
def reverse_every_other(x):
    return np.flip(x, axis=0)[::2]
'''),
    ("reverse_every_other", "explicit start index", '''
def reverse_every_other(x):
    return x[len(x) - 1::-2]
'''),
    ("one_hot", "rows of an identity matrix", '''
def one_hot(labels, num_classes):
    return np.eye(num_classes)[labels]
'''),
    ("one_hot", "broadcast comparison, boolean cast to int", '''
def one_hot(labels, num_classes):
    return (labels[:, None] == np.arange(num_classes)[None, :]).astype(np.int64)
'''),
    ("select_confident", "np.any over the row, with a negative axis", '''
def select_confident(probs, threshold):
    return probs[np.any(probs >= threshold, axis=-1)]
'''),
    ("select_confident", "integer indices from np.flatnonzero", '''
def select_confident(probs, threshold):
    return probs[np.flatnonzero(np.max(probs, axis=1) >= threshold)]
'''),
    ("clip_negative_inplace", "np.maximum with out=x", '''
def clip_negative_inplace(x):
    np.maximum(x, 0, out=x)
'''),
    ("clip_negative_inplace", "x[...] = ... assignment, returning x as well", '''
def clip_negative_inplace(x):
    x[...] = np.where(x < 0, 0, x)
    return x
'''),
    ("pairwise_sq_dists", "expansion |a|^2 - 2 a.b + |b|^2", '''
def pairwise_sq_dists(a, b):
    return (a**2).sum(axis=1)[:, None] - 2 * a @ b.T + (b**2).sum(axis=1)[None, :]
'''),
    ("pairwise_sq_dists", "np.linalg.norm over the broadcast difference, squared", '''
def pairwise_sq_dists(a, b):
    return np.linalg.norm(np.expand_dims(a, 1) - np.expand_dims(b, 0), axis=-1) ** 2
'''),
    ("accuracy", "count over labels.size, returns a NumPy scalar", '''
def accuracy(logits, labels):
    return np.sum(np.argmax(logits, axis=-1) == labels) / labels.size
'''),
    ("rows_to_distributions", "np.expand_dims on the sums", '''
def rows_to_distributions(x):
    return x / np.expand_dims(x.sum(axis=-1), -1)
'''),
    ("rows_to_distributions", "[..., None] on the sums", '''
def rows_to_distributions(x):
    return x / x.sum(axis=x.ndim - 1)[..., None]
'''),
    ("relu", "np.where", '''
def relu(x):
    return np.where(x > 0, x, 0)
'''),
    ("relu", "multiply by the mask", '''
def relu(x):
    return x * (x > 0)
'''),
    ("relu", "copy, then clip the copy in place", '''
def relu(x):
    out = x.copy()
    out[out < 0] = 0
    return out
'''),
    ("sigmoid", "via tanh, which never overflows", '''
def sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))
'''),
    ("sigmoid", "two-branch stable form with np.where", '''
def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
'''),
    ("softmax", "exp minus log-sum-exp", '''
def softmax(x, axis=None):
    return np.exp(x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True)))
'''),
    ("softmax", "already stable (subtracts the max)", '''
def softmax(x, axis=None):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
'''),
    ("softmax", "axis=None handled by flattening and reshaping back", '''
def softmax(x, axis=None):
    if axis is None:
        flat = np.exp(x.ravel())
        return (flat / flat.sum()).reshape(x.shape)
    e = np.exp(x)
    return e / np.expand_dims(e.sum(axis=axis), axis)
'''),
    ("stable_softmax", "float64, np.expand_dims for the shapes", '''
def stable_softmax(x, axis=None):
    x = np.asarray(x, dtype=np.float64)
    if axis is None:
        e = np.exp(x - x.max())
        return e / e.sum()
    e = np.exp(x - np.expand_dims(x.max(axis=axis), axis))
    return e / np.expand_dims(e.sum(axis=axis), axis)
'''),
    ("stable_softmax", "log-softmax with the max shift, then exp", '''
def stable_softmax(x, axis=None):
    m = np.max(x, axis=axis, keepdims=True)
    log_z = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.exp(x - log_z)
'''),
    ("layernorm", "variance from the centred values, times 1 / sqrt; a multiplication by 1 / sqrt", '''
def layernorm(x):
    centred = x - np.mean(x, axis=-1, keepdims=True)
    var = np.mean(centred**2, axis=-1, keepdims=True)
    return centred * (1 / np.sqrt(var + 1e-8))
'''),
    ("layernorm", "the seed's form with scale 1 and shift 0 for any number of axes", '''
def layernorm(x):
    H = x.shape[-1]
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-8) * np.ones(H) + np.zeros(H)
'''),
    ("batchnorm", "reshape to (-1, C), normalise over axis 0, reshape back", '''
def batchnorm(x, gamma=None, beta=None):
    flat = x.reshape(-1, x.shape[-1])
    y = (flat - flat.mean(axis=0)) / np.sqrt(flat.var(axis=0) + 1e-5)
    y = y * (1 if gamma is None else gamma) + (0 if beta is None else beta)
    return y.reshape(x.shape)
'''),
    ("rmsnorm", "np.linalg.norm, eps inside the square root", '''
def rmsnorm(x, gamma=None):
    ms = np.linalg.norm(x, axis=-1, keepdims=True) ** 2 / x.shape[-1]
    y = x / np.sqrt(ms + 1e-5)
    if gamma is not None:
        y = gamma * y
    return y
'''),
    ("project_matmul", "np.matmul of the transposes, transposed back", '''
def project_matmul(x, w):
    return np.matmul(w.T, x.T).T
'''),
    ("project_dot", "the method form x.dot(w)", '''
def project_dot(x, w):
    return x.dot(w)
'''),
    ("project_einsum", "implicit output, other letters", '''
def project_einsum(x, w):
    return np.einsum("ij,jk", x, w)
'''),
    ("project_einsum", "ellipsis for the batch", '''
def project_einsum(x, w):
    return np.einsum("...f,fh->...h", x, w)
'''),
    ("project_broadcast", "(B, 1, F) * (1, H, F) summed over the last axis", '''
def project_broadcast(x, w):
    return (x[:, None, :] * w.T[None, :, :]).sum(axis=-1)
'''),
    ("project_broadcast", "np.expand_dims and np.sum", '''
def project_broadcast(x, w):
    return np.sum(np.expand_dims(x, -1) * np.expand_dims(w, 0), axis=-2)
'''),
    ("multihead_project", "einsum with an ellipsis and other letters", '''
def multihead_project(x, w):
    return np.einsum("...i,ijk->...jk", x, w)
'''),
    # --- seed 004's published solutions (teachers bring them: full marks; quoted here as test fixtures)
    ("relu", "seed 004's published solution", '''
def relu(x):
  return np.where(x > 0, x, 0)
'''),
    ("sigmoid", "seed 004's published solution", '''
def sigmoid(x):
  return 1 / (1 + np.exp(-x))
'''),
    ("softmax", "seed 004's published solution", '''
def softmax(x, axis=None):
  exp = np.exp(x)
  sumexp = np.sum(exp, axis=axis, keepdims=True)
  return exp / sumexp
'''),
    ("stable_softmax", "seed 004's published solution", '''
def stable_softmax(x, axis=None):
  mx = np.max(x, axis=axis, keepdims=True)
  exps = np.exp(x - mx)
  sumexps = np.sum(exps, axis=axis, keepdims=True)
  return exps / sumexps
'''),
    ("layernorm", "seed 004's published solution", '''
def layernorm(x):
  B, T, H = x.shape
  mean_BT = np.mean(x, axis=-1, keepdims=True)
  var_BT = np.var(x, axis=-1, keepdims=True)
  eps = 1e-8
  norm_x_BTH = (x - mean_BT) / np.sqrt(var_BT + eps)
  # learnable params
  scale_H = np.ones((H,))
  shift_H = np.zeros((H,))
  return norm_x_BTH * scale_H + shift_H
'''),
    # --- other correct answers
    ("layernorm", "unpacks B, T, H and reshapes the statistics (the (B, T, H) contract)", '''
def layernorm(x):
    B, T, H = x.shape
    mean = x.mean(axis=2).reshape(B, T, 1)
    var = x.var(axis=2).reshape(B, T, 1)
    return (x - mean) / np.sqrt(var + 1e-8)
'''),
    ("softmax", "copies x first, then works in place on the copy", '''
def softmax(x, axis=None):
    e = np.array(x, dtype=np.float64)
    np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e
'''),
    ("batchnorm", "eps inside the square root via 1 / np.sqrt, statistics over a reshaped copy", '''
def batchnorm(x, gamma=None, beta=None):
    c = x.shape[-1]
    flat = x.reshape(-1, c)
    mean, var = flat.mean(axis=0), ((flat - flat.mean(axis=0)) ** 2).mean(axis=0)
    y = (x - mean) * (1 / np.sqrt(var + 1e-5))
    if gamma is not None:
        y = y * gamma
    return y if beta is None else y + beta
'''),
]

# --- check-your-understanding questions (multiple choice): every other choice is wrong
WRONG += [
    (name, f"picks statement {choice}", f"{name} = {choice}\n")
    for name, right in [("why_keepdims_matters", 2), ("why_mask_is_not_relu", 3), ("why_sigmoid_is_positive", 2)]
    for choice in (1, 2, 3, 4) if choice != right
] + [("why_mask_is_not_relu", "answers with a string instead of the number", 'why_mask_is_not_relu = "3"\n')]
RIGHT += [
    ("why_keepdims_matters", "the number as a NumPy integer", "why_keepdims_matters = np.int64(2)\n"),
    ("why_mask_is_not_relu", "the number as a float", "why_mask_is_not_relu = 3.0\n"),
    ("why_sigmoid_is_positive", "the number computed", "why_sigmoid_is_positive = 1 + 1\n"),
]


# --- Inputs unchanged in the last three function exercises too.
WRONG += [
    ("one_hot", "writes the encoding's row numbers into labels", """
def one_hot(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels] = 1
    labels[:] = 0
    return out
"""),
    ("select_confident", "sorts each row of probs in place first", """
def select_confident(probs, threshold):
    keep = probs.max(axis=1) >= threshold
    probs.sort(axis=1)
    return probs[keep]
"""),
    ("accuracy", "exponentiates the logits in place", """
def accuracy(logits, labels):
    np.exp(logits, out=logits)
    return float(np.mean(logits.argmax(axis=-1) == labels))
"""),
]


# --- Blind red team (r12): answers written from the student's copy only. The first three got full marks
# before the hidden tests looked for them.
WRONG += [
    ("brighten", "returns img itself when amount is 0: not the new array the text asks for", '''
def brighten(img, amount):
    if amount == 0:
        return img
    return np.clip(img.astype(np.int64) + amount, 0, 255).astype(np.uint8)
'''),
    ("relu", "ReLU6: clips at 6 too (invisible on inputs of size about 1)", '''
def relu(x):
    return np.clip(x, 0, 6)
'''),
    ("multihead_project", "reads w as (F, H, N): the right shape when N == H, the wrong values", '''
def multihead_project(x, w):
    if w.shape[1] == w.shape[2]:
        return np.einsum("btf,fhn->btnh", x, w)
    return np.einsum("btf,fnh->btnh", x, w)
'''),
    ("linear_warmup", "a Python list, not an array", '''
def linear_warmup(peak_lr, n_steps):
    return [peak_lr * (i + 1) / n_steps for i in range(n_steps)]
'''),
    ("brighten", "clips into img itself, then returns a copy", '''
def brighten(img, amount):
    img[...] = np.clip(img.astype(np.int64) + amount, 0, 255)
    return img.copy()
'''),
    ("flatten_batch", "hard-codes the example's 12 features per row", '''
def flatten_batch(x):
    return x.reshape(-1, 12)
'''),
    ("one_hot", "off by one: label k goes to column k - 1", '''
def one_hot(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels - 1] = 1
    return out
'''),
    ("select_confident", "sorted by confidence, not in the original order", '''
def select_confident(probs, threshold):
    p = probs[np.argsort(probs.max(axis=1), kind="stable")]
    return p[p.max(axis=1) >= threshold]
'''),
    ("select_confident", "hard-codes C = 3, as in the example", '''
def select_confident(probs, threshold):
    return probs[probs.max(axis=1) >= threshold].reshape(-1, 3)
'''),
    ("clip_negative_inplace", "writes through x.reshape(-1), a copy for non-contiguous views", '''
def clip_negative_inplace(x):
    flat = x.reshape(-1)
    flat[flat < 0] = 0
'''),
    ("pairwise_sq_dists", "hard-codes D = 2, as in the example", '''
def pairwise_sq_dists(a, b):
    return (a[:, None, 0] - b[None, :, 0]) ** 2 + (a[:, None, 1] - b[None, :, 1]) ** 2
'''),
    ("relu", "np.maximum(x, 0, out=x): the layer's input is overwritten", '''
def relu(x):
    return np.maximum(x, 0, out=x)
'''),
    ("stable_softmax", "subtracts the largest absolute value: 0 / 0 for a slice around -1000", '''
def stable_softmax(x, axis=None):
    with np.errstate(invalid="ignore"):
        e = np.exp(x - np.abs(x).max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
'''),
    ("stable_softmax", "replaces -inf by 0: masked positions get probability", '''
def stable_softmax(x, axis=None):
    x = np.where(np.isneginf(x), 0.0, x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("batchnorm", "applies gamma and beta only when both are given", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    out = (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + 1e-5)
    if gamma is not None and beta is not None:
        out = out * gamma + beta
    return out
'''),
    ("rmsnorm", "eps 1e-8 instead of the text's 1e-5", '''
def rmsnorm(x, gamma=None):
    out = x / np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + 1e-8)
    return out if gamma is None else out * gamma
'''),
    ("project_matmul", "casts to int64: truncates float inputs", '''
def project_matmul(x, w):
    return x.astype(np.int64) @ w.astype(np.int64)
'''),
]
RIGHT += [
    ("clip_negative_inplace", "np.clip(..., out=x), returning its result (the text allows returning x)", '''
def clip_negative_inplace(x):
    return np.clip(x, 0, None, out=x)
'''),
    ("clip_negative_inplace", "np.putmask", '''
def clip_negative_inplace(x):
    np.putmask(x, x < 0, 0)
'''),
    ("linear_warmup", "linspace from 0 with the 0 dropped", '''
def linear_warmup(peak_lr, n_steps):
    return np.linspace(0, peak_lr, n_steps + 1)[1:]
'''),
    ("brighten", "saturating uint8 arithmetic, no wider dtype", '''
def brighten(img, amount):
    if amount >= 0:
        return img + np.minimum(255 - img, min(amount, 255)).astype(np.uint8)
    return img - np.minimum(img, min(-amount, 255)).astype(np.uint8)
'''),
    ("brighten", "early return of a copy for amount 0, clip with out= on the wide copy", '''
def brighten(img, amount):
    if amount == 0:
        return img.copy()
    out = img.astype(np.int64)
    out += amount
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)
'''),
    ("reverse_every_other", "reverse, then every second row", '''
def reverse_every_other(x):
    return x[::-1][::2]
'''),
    ("one_hot", "np.put_along_axis into float32 zeros", '''
def one_hot(labels, num_classes):
    out = np.zeros((labels.shape[0], num_classes), dtype=np.float32)
    np.put_along_axis(out, labels[:, None], 1, axis=1)
    return out
'''),
    ("select_confident", "np.compress with the boolean mask", '''
def select_confident(probs, threshold):
    return np.compress(np.max(probs, axis=-1) >= threshold, probs, axis=0)
'''),
    ("pairwise_sq_dists", "einsum of the broadcast difference with itself", '''
def pairwise_sq_dists(a, b):
    d = np.expand_dims(a, 1) - np.expand_dims(b, 0)
    return np.einsum("nmd,nmd->nm", d, d)
'''),
    ("accuracy", "flattens to (positions, C) first", '''
def accuracy(logits, labels):
    flat = logits.reshape(-1, logits.shape[-1])
    return float((flat.argmax(axis=1) == labels.reshape(-1)).mean())
'''),
    ("relu", "np.maximum with a float zero: a float result for integer x", '''
def relu(x):
    return np.maximum(x, 0.0)
'''),
    ("sigmoid", "clips the logits to +-700 first, so exp never overflows", '''
def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -700, 700)))
'''),
    ("softmax", "moves the axis to the end, normalises, moves it back", '''
def softmax(x, axis=None):
    if axis is None:
        flat = np.exp(x.reshape(-1))
        return (flat / flat.sum()).reshape(x.shape)
    moved = np.moveaxis(np.exp(x), axis, -1)
    moved = moved / moved.sum(axis=-1, keepdims=True)
    return np.moveaxis(moved, -1, axis)
'''),
    ("batchnorm", "keepdims statistics, gamma * out and beta + out", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    out = (x - mean) / np.sqrt(var + 1e-5)
    if gamma is not None:
        out = gamma * out
    if beta is not None:
        out = beta + out
    return out
'''),
    ("rmsnorm", "einsum of squares, gamma defaulting to ones", '''
def rmsnorm(x, gamma=None):
    ms = np.einsum("...h,...h->...", x, x)[..., None] / x.shape[-1]
    g = np.ones(x.shape[-1]) if gamma is None else gamma
    return x * (1 / np.sqrt(ms + 1e-5)) * g
'''),
    ("project_einsum", "sublist form", '''
def project_einsum(x, w):
    return np.einsum(x, [0, 1], w, [1, 2], [0, 2])
'''),
    ("multihead_project", "other letters, optimize='optimal'", '''
def multihead_project(x, w):
    return np.einsum("ijk,klm->ijlm", x, w, optimize="optimal")
'''),
]

# --- "Use NumPy only (no PyTorch)": these got full marks before the hidden tests checked the libraries used.
WRONG += [
    ("relu", "torch.relu through from_numpy: the notebook asks for NumPy only", '''
def relu(x):
    import torch
    return torch.relu(torch.from_numpy(x)).numpy()
'''),
    ("softmax", "torch.softmax: the notebook asks for NumPy only", '''
import torch

def softmax(x, axis=None):
    t = torch.from_numpy(x).double()
    out = torch.softmax(t.flatten(), 0).reshape(t.shape) if axis is None else torch.softmax(t, axis)
    return out.numpy()
'''),
    ("layernorm", "PyTorch's layer_norm: the notebook asks for NumPy only", '''
def layernorm(x):
    import torch
    t = torch.from_numpy(np.ascontiguousarray(x))
    return torch.nn.functional.layer_norm(t, (x.shape[-1],), eps=1e-8).numpy()
'''),
    ("sigmoid", "scipy.special.expit: the notebook asks for NumPy only", '''
def sigmoid(x):
    import scipy.special
    return scipy.special.expit(x)
'''),
    ("stable_softmax", "torch through an alias (import torch as tt): the notebook asks for NumPy only", '''
import torch as tt

def stable_softmax(x, axis=None):
    t = tt.from_numpy(np.array(x, dtype=np.float64))
    out = tt.softmax(t.flatten(), 0).reshape(t.shape) if axis is None else tt.softmax(t, axis)
    return out.numpy()
'''),
]
