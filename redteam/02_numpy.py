"""Blind red team for 02_numpy (written from release/ only).

WRONG: (exercise, why it is wrong, code that replaces the solution cell).
RIGHT: (exercise, how it differs, code).
"""

WRONG = [
    # linear_warmup
    ("linear_warmup", "fractional-step arange: one value too many for some n", '''
def linear_warmup(peak_lr, n_steps):
    step = peak_lr / n_steps
    return np.arange(step, peak_lr + step, step)
'''),
    ("linear_warmup", "starts at 0 and stops one step early", '''
def linear_warmup(peak_lr, n_steps):
    return peak_lr * np.arange(n_steps) / n_steps
'''),
    ("linear_warmup", "integer division: not a float array for an integer peak", '''
def linear_warmup(peak_lr, n_steps):
    return peak_lr * (np.arange(n_steps) + 1) // n_steps if isinstance(peak_lr, int) else peak_lr * (np.arange(n_steps) + 1) / n_steps
'''),
    ("linear_warmup", "a Python list, not an array", '''
def linear_warmup(peak_lr, n_steps):
    return [peak_lr * (i + 1) / n_steps for i in range(n_steps)]
'''),
    # brighten
    ("brighten", "clamps only at 255: negative amounts wrap around", '''
def brighten(img, amount):
    return np.minimum(img.astype(np.int64) + amount, 255).astype(np.uint8)
'''),
    ("brighten", "returns img itself when amount is 0, not a new array", '''
def brighten(img, amount):
    if amount == 0:
        return img
    return np.clip(img.astype(np.int64) + amount, 0, 255).astype(np.uint8)
'''),
    ("brighten", "writes into img", '''
def brighten(img, amount):
    wide = np.clip(img.astype(np.int64) + amount, 0, 255)
    img[...] = wide
    return img.copy()
'''),
    ("brighten", "returns int64, not uint8", '''
def brighten(img, amount):
    return np.clip(img.astype(np.int64) + amount, 0, 255)
'''),
    ("brighten", "computes in uint8: wraps around", '''
def brighten(img, amount):
    return np.clip(img + np.uint8(amount % 256), 0, 255).astype(np.uint8)
'''),
    # flatten_batch
    ("flatten_batch", "squeezes: loses the batch axis when B = 1", '''
def flatten_batch(x):
    return np.squeeze(x.reshape(x.shape[0], -1))
'''),
    ("flatten_batch", "hard-codes four axes, as in the example", '''
def flatten_batch(x):
    B, C, H, W = x.shape
    return x.reshape(B, C * H * W)
'''),
    ("flatten_batch", "sets x.shape: changes the input's shape", '''
def flatten_batch(x):
    x.shape = (x.shape[0], -1)
    return x
'''),
    ("flatten_batch", "column-major order", '''
def flatten_batch(x):
    return x.reshape(x.shape[0], -1, order="F")
'''),
    ("flatten_batch", "reshape(-1, ...) from the example's feature count: wrong for other shapes", '''
def flatten_batch(x):
    return x.reshape(-1, 12)
'''),
    # reverse_every_other
    ("reverse_every_other", "every second from the first, reversed: right only for an odd number of rows", '''
def reverse_every_other(x):
    return x[::2][::-1]
'''),
    ("reverse_every_other", "a copy, not a view", '''
def reverse_every_other(x):
    return x[::-2].copy()
'''),
    ("reverse_every_other", "integer-array indexing: a copy", '''
def reverse_every_other(x):
    return x[np.arange(len(x) - 1, -1, -2)]
'''),
    ("reverse_every_other", "stops before row 0", '''
def reverse_every_other(x):
    return x[len(x) - 1:0:-2]
'''),
    ("reverse_every_other", "last axis instead of the first for 1-D-looking code", '''
def reverse_every_other(x):
    return x[::-2, ...] if x.ndim == 2 else x[..., ::-2]
'''),
    # one_hot
    ("one_hot", "columns from the largest label, not num_classes", '''
def one_hot(labels, num_classes):
    return np.eye(labels.max() + 1)[labels]
'''),
    ("one_hot", "sets whole columns", '''
def one_hot(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[:, labels] = 1
    return out
'''),
    ("one_hot", "transposed: (num_classes, N)", '''
def one_hot(labels, num_classes):
    return np.eye(num_classes)[:, labels]
'''),
    ("one_hot", "off by one: label 1 goes to column 0", '''
def one_hot(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels - 1] = 1
    return out
'''),
    # select_confident
    ("select_confident", "strict >: drops rows exactly at the threshold", '''
def select_confident(probs, threshold):
    return probs[probs.max(axis=1) > threshold]
'''),
    ("select_confident", "returns shape (0,) when no row qualifies", '''
def select_confident(probs, threshold):
    mask = probs.max(axis=1) >= threshold
    if not mask.any():
        return np.array([])
    return probs[mask]
'''),
    ("select_confident", "sorted by confidence, not in original order", '''
def select_confident(probs, threshold):
    order = np.argsort(probs.max(axis=1), kind="stable")
    p = probs[order]
    return p[p.max(axis=1) >= threshold]
'''),
    ("select_confident", "hard-codes C = 3", '''
def select_confident(probs, threshold):
    return probs[probs.max(axis=1) >= threshold].reshape(-1, 3)
'''),
    ("select_confident", "single entries instead of rows", '''
def select_confident(probs, threshold):
    return probs[probs >= threshold]
'''),
    # clip_negative_inplace
    ("clip_negative_inplace", "writes into reshape(-1), a copy for non-contiguous views", '''
def clip_negative_inplace(x):
    flat = x.reshape(-1)
    flat[flat < 0] = 0
'''),
    ("clip_negative_inplace", "rebinds the name: nothing changes", '''
def clip_negative_inplace(x):
    x = np.maximum(x, 0)
'''),
    ("clip_negative_inplace", "returns x instead of None (judged acceptable: the text now says so)", '''
def clip_negative_inplace(x):
    np.maximum(x, 0, out=x)
    return x
'''),
    ("clip_negative_inplace", "ravel(): a copy for non-contiguous views", '''
def clip_negative_inplace(x):
    r = x.ravel()
    np.maximum(r, 0, out=r)
'''),
    ("clip_negative_inplace", "returns a new array and leaves x alone", '''
def clip_negative_inplace(x):
    return np.where(x < 0, 0, x)
'''),
    # pairwise_sq_dists
    ("pairwise_sq_dists", "transposed (M, N): hidden when a is b", '''
def pairwise_sq_dists(a, b):
    return ((a[None, :, :] - b[:, None, :]) ** 2).sum(axis=-1)
'''),
    ("pairwise_sq_dists", "hard-codes D = 2", '''
def pairwise_sq_dists(a, b):
    return (a[:, None, 0] - b[None, :, 0]) ** 2 + (a[:, None, 1] - b[None, :, 1]) ** 2
'''),
    ("pairwise_sq_dists", "Python loops, which the text forbids", '''
def pairwise_sq_dists(a, b):
    return np.array([[((p - q) ** 2).sum() for q in b] for p in a])
'''),
    ("pairwise_sq_dists", "distances, not squared", '''
def pairwise_sq_dists(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))
'''),
    ("pairwise_sq_dists", "sums over the wrong axis", '''
def pairwise_sq_dists(a, b):
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=1)
'''),
    # accuracy
    ("accuracy", "argmax over axis 1: right only for (B, C)", '''
def accuracy(logits, labels):
    return float(np.mean(logits.argmax(axis=1) == labels))
'''),
    ("accuracy", "divides by len(labels): the batch, not every position", '''
def accuracy(logits, labels):
    return (logits.argmax(axis=-1) == labels).sum() / len(labels)
'''),
    ("accuracy", "count, not fraction", '''
def accuracy(logits, labels):
    return (logits.argmax(axis=-1) == labels).sum()
'''),
    ("accuracy", "argmin", '''
def accuracy(logits, labels):
    return (logits.argmin(axis=-1) == labels).mean()
'''),
    # why_keepdims_matters
    ("why_keepdims_matters", "statement 1", '''
why_keepdims_matters = 1
'''),
    ("why_keepdims_matters", "statement 3", '''
why_keepdims_matters = 3
'''),
    ("why_keepdims_matters", "statement 4", '''
why_keepdims_matters = 4
'''),
    # rows_to_distributions
    ("rows_to_distributions", "axis=1: right only for 2-D", '''
def rows_to_distributions(x):
    return x / x.sum(axis=1, keepdims=True)
'''),
    ("rows_to_distributions", "[:, None]: right only for 2-D", '''
def rows_to_distributions(x):
    return x / x.sum(axis=-1)[:, None]
'''),
    ("rows_to_distributions", "divides a float x in place", '''
def rows_to_distributions(x):
    x = x.astype(float, copy=False)
    x /= x.sum(axis=-1, keepdims=True)
    return x
'''),
    ("rows_to_distributions", "the keepdims bug", '''
def rows_to_distributions(x):
    return x / x.sum(axis=-1)
'''),
    # relu
    ("relu", "ReLU6: clips at 6", '''
def relu(x):
    return np.clip(x, 0, 6)
'''),
    ("relu", "in place: modifies x", '''
def relu(x):
    x[x < 0] = 0
    return x
'''),
    ("relu", "np.maximum with out=x: modifies x", '''
def relu(x):
    return np.maximum(x, 0, out=x)
'''),
    ("relu", "the masked one-liner", '''
def relu(x):
    return x[x > 0]
'''),
    ("relu", "a list comprehension: 1-D only", '''
def relu(x):
    return np.array([v if v > 0 else 0 for v in x])
'''),
    # why_mask_is_not_relu
    ("why_mask_is_not_relu", "statement 2", '''
why_mask_is_not_relu = 2
'''),
    ("why_mask_is_not_relu", "statement 4", '''
why_mask_is_not_relu = 4
'''),
    ("why_mask_is_not_relu", "statement 1", '''
why_mask_is_not_relu = 1
'''),
    # sigmoid
    ("sigmoid", "exp(x) / (1 + exp(x)): nan for huge inputs", '''
def sigmoid(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(x) / (1 + np.exp(x))
'''),
    ("sigmoid", "negates and exponentiates x in place", '''
def sigmoid(x):
    if x.dtype.kind == "f":
        np.negative(x, out=x)
        np.exp(x, out=x)
        x += 1
        return 1 / x
    return 1 / (1 + np.exp(-x))
'''),
    ("sigmoid", "wrong sign", '''
def sigmoid(x):
    return 1 / (1 + np.exp(x))
'''),
    ("sigmoid", "tanh", '''
def sigmoid(x):
    return np.tanh(x)
'''),
    # why_sigmoid_is_positive
    ("why_sigmoid_is_positive", "statement 3", '''
why_sigmoid_is_positive = 3
'''),
    ("why_sigmoid_is_positive", "statement 1", '''
why_sigmoid_is_positive = 1
'''),
    ("why_sigmoid_is_positive", "statement 4", '''
why_sigmoid_is_positive = 4
'''),
    # softmax
    ("softmax", "treats axis=None as the last axis", '''
def softmax(x, axis=None):
    e = np.exp(x)
    return e / e.sum(axis=-1 if axis is None else axis, keepdims=True)
'''),
    ("softmax", "no keepdims", '''
def softmax(x, axis=None):
    e = np.exp(x)
    return e / e.sum(axis=axis)
'''),
    ("softmax", "exp in place on a float x", '''
def softmax(x, axis=None):
    x = x.astype(float, copy=False)
    np.exp(x, out=x)
    return x / x.sum(axis=axis, keepdims=True)
'''),
    ("softmax", "[:, None] for an axis: 2-D only", '''
def softmax(x, axis=None):
    e = np.exp(x)
    if axis is None:
        return e / e.sum()
    if axis in (1, -1):
        return e / e.sum(axis=1)[:, None]
    return e / e.sum(axis=0)[None, :]
'''),
    # stable_softmax
    ("stable_softmax", "one maximum for the whole array", '''
def stable_softmax(x, axis=None):
    e = np.exp(x - x.max())
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("stable_softmax", "subtracts the largest absolute value: 0 / 0 for very negative slices", '''
def stable_softmax(x, axis=None):
    with np.errstate(invalid="ignore"):
        e = np.exp(x - np.abs(x).max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
'''),
    ("stable_softmax", "subtracts in place", '''
def stable_softmax(x, axis=None):
    x = x.astype(float, copy=False)
    x -= x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("stable_softmax", "replaces -inf by 0: masked positions get probability", '''
def stable_softmax(x, axis=None):
    x = np.where(np.isneginf(x), 0.0, x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("stable_softmax", "subtracts the minimum: overflows for spread slices", '''
def stable_softmax(x, axis=None):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x - x.min(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
'''),
    # layernorm
    ("layernorm", "eps = 1e-5 instead of the text's 1e-8", '''
def layernorm(x):
    m = x.mean(axis=-1, keepdims=True)
    return (x - m) / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-5)
'''),
    ("layernorm", "eps outside the square root", '''
def layernorm(x):
    m = x.mean(axis=-1, keepdims=True)
    return (x - m) / (np.sqrt(x.var(axis=-1, keepdims=True)) + 1e-8)
'''),
    ("layernorm", "no eps: nan for a constant token", '''
def layernorm(x):
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x - x.mean(axis=-1, keepdims=True)) / x.std(axis=-1, keepdims=True)
'''),
    ("layernorm", "subtracts the mean in place", '''
def layernorm(x):
    v = x.var(axis=-1, keepdims=True)
    x -= x.mean(axis=-1, keepdims=True)
    return x / np.sqrt(v + 1e-8)
'''),
    ("layernorm", "unbiased variance (ddof=1)", '''
def layernorm(x):
    m = x.mean(axis=-1, keepdims=True)
    return (x - m) / np.sqrt(x.var(axis=-1, ddof=1, keepdims=True) + 1e-8)
'''),
    # batchnorm
    ("batchnorm", "statistics over axis 0 only: right only for (N, C)", '''
def batchnorm(x, gamma=None, beta=None):
    out = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out
'''),
    ("batchnorm", "applies gamma and beta only when both are given", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    out = (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + 1e-5)
    if gamma is not None and beta is not None:
        out = out * gamma + beta
    return out
'''),
    ("batchnorm", "eps outside the square root", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    out = (x - x.mean(axis=axes)) / (np.sqrt(x.var(axis=axes)) + 1e-5)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out
'''),
    ("batchnorm", "scales gamma in place into x", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    x -= x.mean(axis=axes)
    x /= np.sqrt(x.var(axis=axes) + 1e-5)
    if gamma is not None:
        x *= gamma
    if beta is not None:
        x += beta
    return x
'''),
    ("batchnorm", "unbiased variance", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    out = (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes, ddof=1) + 1e-5)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out
'''),
    ("batchnorm", "eps 1e-8 instead of 1e-5", '''
def batchnorm(x, gamma=None, beta=None):
    axes = tuple(range(x.ndim - 1))
    out = (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + 1e-8)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out
'''),
    # rmsnorm
    ("rmsnorm", "axis=1: right only for 2-D", '''
def rmsnorm(x, gamma=None):
    out = x / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + 1e-5)
    return out if gamma is None else out * gamma
'''),
    ("rmsnorm", "eps outside the square root", '''
def rmsnorm(x, gamma=None):
    out = x / (np.sqrt((x ** 2).mean(axis=-1, keepdims=True)) + 1e-5)
    return out if gamma is None else out * gamma
'''),
    ("rmsnorm", "eps 1e-8", '''
def rmsnorm(x, gamma=None):
    out = x / np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + 1e-8)
    return out if gamma is None else out * gamma
'''),
    ("rmsnorm", "divides x in place", '''
def rmsnorm(x, gamma=None):
    x /= np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + 1e-5)
    if gamma is not None:
        x *= gamma
    return x
'''),
    ("rmsnorm", "norm without dividing by H", '''
def rmsnorm(x, gamma=None):
    out = x / np.sqrt(np.linalg.norm(x, axis=-1, keepdims=True) ** 2 + 1e-5)
    return out if gamma is None else out * gamma
'''),
    # project_matmul
    ("project_matmul", "squeezes size-1 axes", '''
def project_matmul(x, w):
    return np.squeeze(x @ w)
'''),
    ("project_matmul", "casts to int: truncates float inputs", '''
def project_matmul(x, w):
    return x.astype(np.int64) @ w.astype(np.int64)
'''),
    ("project_matmul", "uses einsum, not the tool in its name", '''
def project_matmul(x, w):
    return np.einsum("bf,fh->bh", x, w)
'''),
    # project_dot
    ("project_dot", "uses @, not np.dot", '''
def project_dot(x, w):
    return x @ w
'''),
    ("project_dot", "squeezes size-1 axes", '''
def project_dot(x, w):
    return np.dot(x, w).squeeze()
'''),
    # project_einsum
    ("project_einsum", "uses @, not einsum", '''
def project_einsum(x, w):
    return x @ w
'''),
    ("project_einsum", "squeezes size-1 axes", '''
def project_einsum(x, w):
    return np.einsum("bf,fh->bh", x, w).squeeze()
'''),
    ("project_einsum", "transposed output", '''
def project_einsum(x, w):
    return np.einsum("bf,fh->hb", x, w)
'''),
    # project_broadcast
    ("project_broadcast", "uses @, which the text forbids", '''
def project_broadcast(x, w):
    return x @ w
'''),
    ("project_broadcast", "uses einsum, which the text forbids", '''
def project_broadcast(x, w):
    return np.einsum("bf,fh->bh", x, w)
'''),
    ("project_broadcast", "uses np.dot, which the text forbids", '''
def project_broadcast(x, w):
    return np.dot(x, w)
'''),
    ("project_broadcast", "squeezes size-1 axes", '''
def project_broadcast(x, w):
    return np.squeeze((x[:, :, None] * w[None, :, :]).sum(axis=1))
'''),
    ("project_broadcast", "sums over the wrong axis", '''
def project_broadcast(x, w):
    return (x[:, :, None] * w[None, :, :]).sum(axis=0)
'''),
    # multihead_project
    ("multihead_project", "matmul on folded heads, not einsum as the text asks", '''
def multihead_project(x, w):
    F, N, H = w.shape
    return (x @ w.reshape(F, N * H)).reshape(*x.shape[:2], N, H)
'''),
    ("multihead_project", "squeezes size-1 axes", '''
def multihead_project(x, w):
    return np.einsum("btf,fnh->btnh", x, w).squeeze()
'''),
    ("multihead_project", "reads w as (F, H, N): right only when N == H's transpose does not matter", '''
def multihead_project(x, w):
    return np.einsum("btf,fhn->btnh", x, w) if w.shape[1] == w.shape[2] else np.einsum("btf,fnh->btnh", x, w)
'''),
    ("multihead_project", "tensordot, not einsum", '''
def multihead_project(x, w):
    return np.tensordot(x, w, axes=([2], [0]))
'''),
]

RIGHT = [
    # linear_warmup
    ("linear_warmup", "linspace from the first step", '''
def linear_warmup(peak_lr, n_steps):
    return np.linspace(peak_lr / n_steps, peak_lr, n_steps)
'''),
    ("linear_warmup", "linspace from 0 with the 0 dropped", '''
def linear_warmup(peak_lr, n_steps):
    return np.linspace(0, peak_lr, n_steps + 1)[1:]
'''),
    ("linear_warmup", "float32 array", '''
def linear_warmup(peak_lr, n_steps):
    return (np.arange(1, n_steps + 1, dtype=np.float64) * peak_lr / n_steps).astype(np.float32)
'''),
    # brighten
    ("brighten", "np.where on int16", '''
def brighten(img, amount):
    wide = img.astype(np.int16) + amount
    wide = np.where(wide > 255, 255, wide)
    wide = np.where(wide < 0, 0, wide)
    return wide.astype(np.uint8)
'''),
    ("brighten", "early return of a copy for amount 0, clip with out= on a copy", '''
def brighten(img, amount):
    if amount == 0:
        return img.copy()
    out = img.astype(np.int64)
    out += amount
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)
'''),
    ("brighten", "saturating uint8 arithmetic", '''
def brighten(img, amount):
    if amount >= 0:
        room = 255 - img
        return img + np.minimum(room, min(amount, 255)).astype(np.uint8)
    drop = np.minimum(img, min(-amount, 255)).astype(np.uint8)
    return img - drop
'''),
    # flatten_batch
    ("flatten_batch", "explicit product of the trailing sizes", '''
def flatten_batch(x):
    return x.reshape(len(x), int(np.prod(x.shape[1:])))
'''),
    ("flatten_batch", "a copy, np.reshape", '''
def flatten_batch(x):
    return np.reshape(x.copy(), (x.shape[0], -1))
'''),
    # reverse_every_other
    ("reverse_every_other", "reverse then every second", '''
def reverse_every_other(x):
    return x[::-1][::2]
'''),
    ("reverse_every_other", "explicit start index", '''
def reverse_every_other(x):
    return x[len(x) - 1::-2]
'''),
    ("reverse_every_other", "np.flip (a view) then a slice", '''
def reverse_every_other(x):
    return np.flip(x, axis=0)[::2]
'''),
    # one_hot
    ("one_hot", "rows of the identity", '''
def one_hot(labels, num_classes):
    return np.eye(num_classes)[labels]
'''),
    ("one_hot", "comparison with arange, int dtype", '''
def one_hot(labels, num_classes):
    return (labels[:, None] == np.arange(num_classes)).astype(np.int64)
'''),
    ("one_hot", "put_along_axis on zeros", '''
def one_hot(labels, num_classes):
    out = np.zeros((labels.shape[0], num_classes), dtype=np.float32)
    np.put_along_axis(out, labels[:, None], 1, axis=1)
    return out
'''),
    # select_confident
    ("select_confident", "any entry at least the threshold", '''
def select_confident(probs, threshold):
    return probs[np.any(probs >= threshold, axis=1)]
'''),
    ("select_confident", "np.compress with a mask", '''
def select_confident(probs, threshold):
    keep = np.max(probs, axis=-1) >= threshold
    return np.compress(keep, probs, axis=0)
'''),
    # clip_negative_inplace
    ("clip_negative_inplace", "np.clip with out=", '''
def clip_negative_inplace(x):
    np.clip(x, 0, None, out=x)
'''),
    ("clip_negative_inplace", "np.putmask", '''
def clip_negative_inplace(x):
    np.putmask(x, x < 0, 0)
    return None
'''),
    ("clip_negative_inplace", "assign through x[...] = np.where", '''
def clip_negative_inplace(x):
    x[...] = np.where(x < 0, 0, x)
'''),
    # pairwise_sq_dists
    ("pairwise_sq_dists", "expand_dims and einsum of the difference with itself", '''
def pairwise_sq_dists(a, b):
    d = np.expand_dims(a, 1) - np.expand_dims(b, 0)
    return np.einsum("nmd,nmd->nm", d, d)
'''),
    ("pairwise_sq_dists", "np.square and np.sum", '''
def pairwise_sq_dists(a, b):
    return np.sum(np.square(a[:, np.newaxis] - b[np.newaxis]), axis=2)
'''),
    # accuracy
    ("accuracy", "count_nonzero over size", '''
def accuracy(logits, labels):
    return np.count_nonzero(np.argmax(logits, axis=-1) == labels) / labels.size
'''),
    ("accuracy", "flatten to (positions, C) first", '''
def accuracy(logits, labels):
    flat = logits.reshape(-1, logits.shape[-1])
    return float((flat.argmax(axis=1) == labels.reshape(-1)).mean())
'''),
    # why_keepdims_matters
    ("why_keepdims_matters", "as a NumPy int", '''
why_keepdims_matters = np.int64(2)
'''),
    ("why_keepdims_matters", "computed", '''
why_keepdims_matters = 1 + 1
'''),
    # rows_to_distributions
    ("rows_to_distributions", "expand_dims on the sum", '''
def rows_to_distributions(x):
    return x / np.expand_dims(x.sum(axis=-1), -1)
'''),
    ("rows_to_distributions", "np.divide into a new float array", '''
def rows_to_distributions(x):
    out = x.astype(np.float64)
    out /= out.sum(axis=-1, keepdims=True)
    return out
'''),
    # relu
    ("relu", "np.where", '''
def relu(x):
    return np.where(x > 0, x, 0)
'''),
    ("relu", "clip from below on a copy", '''
def relu(x):
    out = x.copy()
    out[out < 0] = 0
    return out
'''),
    ("relu", "np.maximum with a float zero (float result for integer x)", '''
def relu(x):
    return np.maximum(x, 0.0)
'''),
    # why_mask_is_not_relu
    ("why_mask_is_not_relu", "as int", '''
why_mask_is_not_relu = int(3)
'''),
    ("why_mask_is_not_relu", "NumPy int", '''
why_mask_is_not_relu = np.int64(3)
'''),
    # sigmoid
    ("sigmoid", "two-branch stable form with exp(-|x|)", '''
def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
'''),
    ("sigmoid", "tanh identity", '''
def sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))
'''),
    ("sigmoid", "clips the logits first to avoid the overflow warning", '''
def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -700, 700)))
'''),
    # why_sigmoid_is_positive
    ("why_sigmoid_is_positive", "computed", '''
why_sigmoid_is_positive = 4 - 2
'''),
    ("why_sigmoid_is_positive", "NumPy int", '''
why_sigmoid_is_positive = np.int32(2)
'''),
    # softmax
    ("softmax", "explicit None branch and expand_dims", '''
def softmax(x, axis=None):
    e = np.exp(x)
    if axis is None:
        return e / e.sum()
    return e / np.expand_dims(e.sum(axis=axis), axis)
'''),
    ("softmax", "already stable (max shift)", '''
def softmax(x, axis=None):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
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
    # stable_softmax
    ("stable_softmax", "log-sum-exp then exp", '''
def stable_softmax(x, axis=None):
    m = np.max(x, axis=axis, keepdims=True)
    shifted = x - m
    lse = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return np.exp(shifted - lse)
'''),
    ("stable_softmax", "explicit None branch and expand_dims", '''
def stable_softmax(x, axis=None):
    if axis is None:
        e = np.exp(x - x.max())
        return e / e.sum()
    e = np.exp(x - np.expand_dims(x.max(axis=axis), axis))
    return e / np.expand_dims(e.sum(axis=axis), axis)
'''),
    # layernorm
    ("layernorm", "variance written out", '''
def layernorm(x):
    centred = x - x.mean(axis=2, keepdims=True)
    var = (centred ** 2).mean(axis=2, keepdims=True)
    return centred / np.sqrt(var + 1e-8)
'''),
    ("layernorm", "np.mean/np.var with expand_dims", '''
def layernorm(x):
    m = np.expand_dims(np.mean(x, axis=-1), -1)
    v = np.expand_dims(np.var(x, axis=-1), -1)
    return (x - m) / (v + 1e-8) ** 0.5
'''),
    # batchnorm
    ("batchnorm", "reshape to (-1, C) for the statistics", '''
def batchnorm(x, gamma=None, beta=None):
    C = x.shape[-1]
    flat = x.reshape(-1, C)
    out = (x - flat.mean(axis=0)) / np.sqrt(flat.var(axis=0) + 1e-5)
    out = out * (np.ones(C) if gamma is None else gamma)
    return out + (np.zeros(C) if beta is None else beta)
'''),
    ("batchnorm", "keepdims over every axis but the last", '''
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
    # rmsnorm
    ("rmsnorm", "np.linalg.norm squared over H", '''
def rmsnorm(x, gamma=None):
    H = x.shape[-1]
    ms = np.linalg.norm(x, axis=-1, keepdims=True) ** 2 / H
    out = x / np.sqrt(ms + 1e-5)
    if gamma is not None:
        out = out * gamma
    return out
'''),
    ("rmsnorm", "einsum of squares, gamma defaulting to ones", '''
def rmsnorm(x, gamma=None):
    ms = np.einsum("...h,...h->...", x, x)[..., None] / x.shape[-1]
    g = np.ones(x.shape[-1]) if gamma is None else gamma
    return x * (1 / np.sqrt(ms + 1e-5)) * g
'''),
    # project_matmul
    ("project_matmul", "np.matmul", '''
def project_matmul(x, w):
    return np.matmul(x, w)
'''),
    ("project_matmul", "transposed product, transposed back", '''
def project_matmul(x, w):
    return (w.T @ x.T).T
'''),
    # project_dot
    ("project_dot", "method form", '''
def project_dot(x, w):
    return x.dot(w)
'''),
    ("project_dot", "transposed product, transposed back", '''
def project_dot(x, w):
    return np.dot(w.T, x.T).T
'''),
    # project_einsum
    ("project_einsum", "implicit output", '''
def project_einsum(x, w):
    return np.einsum("ij,jk", x, w)
'''),
    ("project_einsum", "sublist form", '''
def project_einsum(x, w):
    return np.einsum(x, [0, 1], w, [1, 2], [0, 2])
'''),
    ("project_einsum", "optimize=True and positional letters", '''
def project_einsum(x, w):
    return np.einsum("bf,fh->bh", x, w, optimize=True)
'''),
    # project_broadcast
    ("project_broadcast", "expand_dims and np.sum over axis -2", '''
def project_broadcast(x, w):
    return np.sum(np.expand_dims(x, -1) * w, axis=-2)
'''),
    ("project_broadcast", "x[..., None] * w, sum over axis 1", '''
def project_broadcast(x, w):
    prod = x[..., None] * w[None]
    return prod.sum(axis=1)
'''),
    # multihead_project
    ("multihead_project", "ellipsis", '''
def multihead_project(x, w):
    return np.einsum("...f,fnh->...nh", x, w)
'''),
    ("multihead_project", "other letters, optimize", '''
def multihead_project(x, w):
    return np.einsum("ijk,klm->ijlm", x, w, optimize="optimal")
'''),
]
