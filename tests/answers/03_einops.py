"""Other answers to the exercises of 03_einops: plausible mistakes (WRONG) and other correct solutions (RIGHT).

Each entry is (exercise, why, code that replaces the exercise's solution cell); see docs/authoring.md.
The notebook's namespace is available: arr, einops, np, t (torch), Tensor, and the functions above
the exercise.
"""

WRONG = [
    # --- einops puzzles: one shape mistake and one same-shape mistake
    # (both caught by the visible test, which compares every pixel) per puzzle.
    ("arr1", "stacks the digits side by side (row) instead of top to bottom", '''
arr1 = einops.rearrange(arr, "b c h w -> c h (b w)")
'''),
    ("arr1", "(h b) interleaves the pixel rows of the six digits instead of stacking whole digits", '''
arr1 = einops.rearrange(arr, "b c h w -> c (h b) w")
'''),
    ("arr2", "repeats all six digits instead of only the first", '''
arr2 = einops.repeat(arr, "b c h w -> c (2 b h) w")
'''),
    ("arr2", "(h 2) doubles every pixel row, which stretches the digit instead of copying it", '''
arr2 = einops.repeat(arr[0], "c h w -> c (h 2) w")
'''),
    ("arr3", "copies the column vertically instead of side by side", '''
arr3 = einops.repeat(arr[0:2], "b c h w -> c (2 b h) w")
'''),
    ("arr3", "(w 2) stretches each digit horizontally instead of placing two copies side by side", '''
arr3 = einops.repeat(arr[0:2], "b c h w -> c (b h) (w 2)")
'''),
    ("arr4", "stretches along the width instead of the height", '''
arr4 = einops.repeat(arr[0], "c h w -> c h (w 2)")
'''),
    ("arr4", "(2 h) stacks two copies instead of stretching", '''
arr4 = einops.repeat(arr[0], "c h w -> c (2 h) w")
'''),
    ("arr5", "stacks the channels vertically", '''
arr5 = einops.rearrange(arr[0], "c h w -> (c h) w")
'''),
    ("arr5", "(w c) interleaves the channels column by column", '''
arr5 = einops.rearrange(arr[0], "c h w -> h (w c)")
'''),
    ("arr6", "puts 3 rows of 2 digits instead of 2 rows of 3 (b1=3)", '''
arr6 = einops.rearrange(arr, "(b1 b2) c h w -> c (b1 h) (b2 w)", b1=3)
'''),
    ("arr6", "right grid size but filled column by column: 0 2 4 on top", '''
arr6 = einops.rearrange(arr, "(b2 b1) c h w -> c (b1 h) (b2 w)", b1=2)
'''),
    ("arr7", "transposes channels and height, not height and width", '''
arr7 = einops.rearrange(arr[1], "c h w -> h c w")
'''),
    ("arr7", "rotates the digit by 90 degrees instead of mirroring it along the diagonal", '''
arr7 = np.rot90(arr[1], axes=(1, 2))
'''),
    ("arr8", "pools but forgets the grid: digits in one row", '''
arr8 = einops.reduce(arr, "b c (h h2) (w w2) -> c h (b w)", "max", h2=2, w2=2)
'''),
    ("arr8", "mean pooling instead of max pooling", '''
arr8 = einops.reduce(arr.astype(np.float64), "(b1 b2) c (h h2) (w w2) -> c (b1 h) (b2 w)", "mean", b1=2, h2=2, w2=2)
'''),
    # --- broadcasting quiz
    ("broadcast_answers", "answers in words, not in the documented format", '''
broadcast_answers = {1: "valid", 2: "error", 3: "valid", 4: "valid", 5: "valid"}
'''),
    ("broadcast_answers", "thinks (4, 1) + (4,) is an error (or keeps (4, 1)): it broadcasts to (4, 4)", '''
broadcast_answers = {1: (3, 4, 5), 2: None, 3: (8, 2, 6), 4: (10, 20, 30), 5: None}
'''),
    ("broadcast_answers", "aligns shapes from the left: (8, 2, 6) + (8, 2) looks fine", '''
broadcast_answers = {1: (3, 4, 5), 2: (8, 2, 6), 3: (8, 2, 6), 4: (10, 20, 30), 5: (4, 4)}
'''),
    # --- rearrange warm-ups
    ("rearrange_1", "splits the wrong way round: fills column by column", '''
def rearrange_1():
    return einops.rearrange(t.arange(3, 9), "(w h) -> h w", h=3)
'''),
    ("rearrange_2", "off by one: arange(6) starts at 0", '''
def rearrange_2():
    return einops.rearrange(t.arange(6), "(h w) -> h w", h=2)
'''),
    ("rearrange_3", "forgets the leading axis of size 1", '''
def rearrange_3():
    return einops.rearrange(t.arange(1, 7), "n -> n 1")
'''),
    # --- temperatures
    ("temperatures_average", "(7 w) groups every other day together instead of consecutive days", '''
def temperatures_average(temps):
    return einops.reduce(temps, "(7 w) -> w", "mean")
'''),
    ("temperatures_average", "hard-codes the two weeks of the example", '''
def temperatures_average(temps):
    return temps.reshape(2, 7).mean(dim=1)
'''),
    ("temperatures_differences", "repeat(7) tiles the averages (a b a b ...) instead of repeating each 7 times", '''
def temperatures_differences(temps):
    return temps - temperatures_average(temps).repeat(7)
'''),
    ("temperatures_differences", "subtracts in place: right values, but the caller's temps is changed", '''
def temperatures_differences(temps):
    temps -= einops.repeat(einops.reduce(temps, "(w 7) -> w", "mean"), "w -> (w 7)")
    return temps
'''),
    ("temperatures_differences", "hard-codes the two weeks of the example", '''
def temperatures_differences(temps):
    weeks = temps.view(2, 7)
    return (weeks - weeks.mean(dim=1, keepdim=True)).flatten()
'''),
    ("temperatures_normalized", "population standard deviation (divides by 7) instead of the sample one", '''
def temperatures_normalized(temps):
    weeks = temps.view(-1, 7)
    return ((weeks - weeks.mean(dim=1, keepdim=True)) / weeks.std(dim=1, keepdim=True, correction=0)).flatten()
'''),
    ("temperatures_normalized", "hard-codes the two weeks of the example", '''
def temperatures_normalized(temps):
    weeks = temps.view(2, 7)
    return ((weeks - weeks.mean(dim=1, keepdim=True)) / weeks.std(dim=1, keepdim=True)).flatten()
'''),
    # --- normalize_rows / cos_sim_matrix
    ("normalize_rows", "takes the norm of each column (dim=0)", '''
def normalize_rows(matrix):
    return matrix / matrix.norm(dim=0, keepdim=True)
'''),
    ("normalize_rows", "divides in place: the caller's matrix is changed", '''
def normalize_rows(matrix):
    matrix /= matrix.norm(dim=1, keepdim=True)
    return matrix
'''),
    ("normalize_rows", "L1 norm (sum of absolute values) instead of L2", '''
def normalize_rows(matrix):
    return matrix / matrix.abs().sum(dim=1, keepdim=True)
'''),
    ("cos_sim_matrix", "forgets to normalise: plain dot products", '''
def cos_sim_matrix(matrix):
    return matrix @ matrix.T
'''),
    ("cos_sim_matrix", "normalises the input in place before the product", '''
def cos_sim_matrix(matrix):
    matrix /= matrix.norm(dim=1, keepdim=True)
    return matrix @ matrix.T
'''),
    # --- sample_distribution
    ("sample_distribution", "off by one: edges start at 0, so classes come out as 1..k", '''
def sample_distribution(probs, n):
    edges = t.cat([t.zeros(1, dtype=probs.dtype), probs.cumsum(0)])
    return (t.rand(n, 1) >= edges).sum(dim=-1)
'''),
    ("sample_distribution", "weights uniform noise by probs and takes the argmax: not the right distribution", '''
def sample_distribution(probs, n):
    return (probs * t.rand(n, len(probs))).argmax(dim=-1)
'''),
    ("sample_distribution", "squeeze() to fix the shape: for n = 1 the result is 0-dim instead of shape (1,)", '''
def sample_distribution(probs, n):
    return (t.rand(n, 1) > probs.cumsum(0)).sum(dim=-1, keepdim=True).squeeze()
'''),
    ("sample_distribution", "bool-to-float habit: returns float class numbers", '''
def sample_distribution(probs, n):
    return (t.rand(n, 1) > probs.cumsum(0)).float().sum(dim=-1)
'''),
    # --- classifier_accuracy
    ("classifier_accuracy", "returns the number of correct predictions, not the fraction", '''
def classifier_accuracy(scores, true_classes):
    return (scores.argmax(dim=1) == true_classes).sum()
'''),
    ("classifier_accuracy", "divides by the number of classes instead of the batch size", '''
def classifier_accuracy(scores, true_classes):
    return (scores.argmax(dim=1) == true_classes).sum() / scores.shape[1]
'''),
    # --- total_price_indexing / total_price_gather
    ("total_price_indexing", "unique() counts each kind of item once, ignoring repeats", '''
def total_price_indexing(prices, items):
    return prices[items.unique()].sum().item()
'''),
    ("total_price_indexing", "bincount without minlength: shape mismatch when the last item is never bought", '''
def total_price_indexing(prices, items):
    return (t.bincount(items) * prices).sum().item()
'''),
    ("total_price_gather", "gathers along dim 1 as in gather_2d: a 1D tensor has only dim 0", '''
def total_price_gather(prices, items):
    return prices.gather(1, items).sum().item()
'''),
    ("total_price_gather", "bincount without minlength: shape mismatch when the last item is never bought", '''
def total_price_gather(prices, items):
    return (t.bincount(items).to(prices.dtype) @ prices).item()
'''),
    # --- gather_2d
    ("gather_2d", "too strict: requires indexes to have the shape of matrix", '''
def gather_2d(matrix, indexes):
    assert matrix.shape == indexes.shape
    out = matrix.gather(1, indexes)
    assert out.shape == indexes.shape
    return out
'''),
    ("gather_2d", "too strict: thinks you cannot pick more entries per row than there are columns", '''
def gather_2d(matrix, indexes):
    assert matrix.ndim == 2 and indexes.ndim == 2
    assert indexes.shape[0] == matrix.shape[0]
    assert indexes.shape[1] <= matrix.shape[1]
    assert ((indexes >= 0) & (indexes < matrix.shape[1])).all()
    out = matrix.gather(1, indexes)
    assert out.shape == indexes.shape
    return out
'''),
    ("gather_2d", "no asserts at all: bad inputs raise RuntimeError or pass silently", '''
def gather_2d(matrix, indexes):
    out = matrix.gather(1, indexes)
    return out
'''),
    ("gather_2d", "checks the rows but not the number of axes: a 1D indexes reaches gather", '''
def gather_2d(matrix, indexes):
    assert indexes.shape[0] <= matrix.shape[0]
    out = matrix.gather(1, indexes)
    assert out.shape == indexes.shape
    return out
'''),
    ("gather_2d", "checks the axes but lets more rows through", '''
def gather_2d(matrix, indexes):
    assert matrix.ndim == indexes.ndim == 2
    out = matrix.gather(1, indexes) if indexes.shape[0] <= matrix.shape[0] else matrix.gather(1, indexes[: matrix.shape[0]])
    return out
'''),
    # --- integer_array_indexing
    ("integer_array_indexing", "indexes with the tensor coords.T instead of a tuple: picks whole slices of axis 0", '''
def integer_array_indexing(matrix, coords):
    return matrix[coords.T]
'''),
    ("integer_array_indexing", "handles only the 2D and 3D cases of the examples", '''
def integer_array_indexing(matrix, coords):
    if coords.shape[1] == 2:
        return matrix[coords[:, 0], coords[:, 1]]
    return matrix[coords[:, 0], coords[:, 1], coords[:, 2]]
'''),
    # --- softmax family
    ("batched_logsumexp", "no max shift: exp overflows for entries around 1000", '''
def batched_logsumexp(matrix):
    return matrix.exp().sum(dim=-1).log()
'''),
    ("batched_logsumexp", "shifts by the row mean instead of the max: still overflows for spread-out rows", '''
def batched_logsumexp(matrix):
    c = matrix.mean(dim=-1, keepdim=True)
    return c.squeeze(-1) + (matrix - c).exp().sum(dim=-1).log()
'''),
    ("batched_logsumexp", "shifts the input in place", '''
def batched_logsumexp(matrix):
    c = matrix.max(dim=-1, keepdim=True).values
    matrix -= c
    return c.squeeze(-1) + matrix.exp().sum(dim=-1).log()
'''),
    ("batched_softmax", "normalises over dim 0 (the batch) instead of each row", '''
def batched_softmax(matrix):
    exps = (matrix - matrix.max()).exp()
    return exps / exps.sum(dim=0, keepdim=True)
'''),
    ("batched_logsoftmax", "no max shift: exp overflows for entries around 1000", '''
def batched_logsoftmax(matrix):
    return matrix - matrix.exp().sum(dim=1, keepdim=True).log()
'''),
    ("batched_logsoftmax", "log of the softmax: a probability that underflows to 0 gives -inf instead of about -1e4", '''
def batched_logsoftmax(matrix):
    return batched_softmax(matrix).log()
'''),
    ("batched_cross_entropy_loss", "gathers along dim 0 (picks rows) instead of dim 1", '''
def batched_cross_entropy_loss(logits, true_labels):
    return -batched_logsoftmax(logits).gather(0, true_labels[:, None])[:, 0]
'''),
    ("batched_cross_entropy_loss", "forgets the minus sign", '''
def batched_cross_entropy_loss(logits, true_labels):
    return batched_logsoftmax(logits).gather(1, true_labels[:, None])[:, 0]
'''),
    ("batched_cross_entropy_loss", "log of the softmax: the loss of a confident mistake underflows to inf", '''
def batched_cross_entropy_loss(logits, true_labels):
    probs = batched_softmax(logits)
    return -probs.gather(1, true_labels[:, None]).log()[:, 0]
'''),
    # --- collect_rows / collect_columns
    ("collect_rows", "indexes the columns instead of the rows", '''
def collect_rows(matrix, row_indexes):
    return matrix[:, row_indexes]
'''),
    ("collect_rows", "gather with an index expanded to 3 columns, the width of the example", '''
def collect_rows(matrix, row_indexes):
    return matrix.gather(0, row_indexes[:, None].expand(-1, 3))
'''),
    ("collect_columns", "indexes the rows instead of the columns", '''
def collect_columns(matrix, column_indexes):
    return matrix[column_indexes]
'''),
    ("collect_columns", "gather with an index expanded to 5 rows, the height of the example", '''
def collect_columns(matrix, column_indexes):
    return matrix.gather(1, column_indexes[None, :].expand(5, -1))
'''),
    # --- batched_dot_product_nd
    ("batched_dot_product_nd", "sums only the last axis: fine for 2D, wrong shape for 3D", '''
def batched_dot_product_nd(a, b):
    return (a * b).sum(dim=-1)
'''),
    ("batched_dot_product_nd", "flattens the inputs with view: fails on non-contiguous tensors", '''
def batched_dot_product_nd(a, b):
    return (a.view(a.shape[0], -1) * b.view(b.shape[0], -1)).sum(dim=-1)
'''),
    # --- identity_matrix
    ("identity_matrix", ">= gives the lower triangle, not the diagonal", '''
def identity_matrix(n):
    return (t.arange(n)[:, None] >= t.arange(n)).long()
'''),
    ("identity_matrix", "returns the booleans of the comparison, not numbers", '''
def identity_matrix(n):
    return einops.rearrange(t.arange(n), "i -> i 1") == t.arange(n)
'''),
    # --- einsum
    ("einsum_trace", "i i -> i returns the diagonal instead of its sum", '''
def einsum_trace(mat):
    return einops.einsum(mat, "i i -> i")
'''),
    ("einsum_mv", "keeps j instead of i: scales columns instead of multiplying", '''
def einsum_mv(mat, vec):
    return einops.einsum(mat, vec, "i j, j -> j")
'''),
    ("einsum_mv", "contracts vec with the rows (mat.T @ vec): equal only for a symmetric mat", '''
def einsum_mv(mat, vec):
    return einops.einsum(mat, vec, "i j, i -> j")
'''),
    ("einsum_mm", "output axes swapped: returns (mat1 @ mat2).T", '''
def einsum_mm(mat1, mat2):
    return einops.einsum(mat1, mat2, "i j, j k -> k i")
'''),
    ("einsum_mm", "ties the columns of both matrices (mat1 @ mat2.T): equal only for a symmetric mat2", '''
def einsum_mm(mat1, mat2):
    return einops.einsum(mat1, mat2, "i j, k j -> i k")
'''),
    ("einsum_inner", "keeps i: elementwise product, not summed", '''
def einsum_inner(vec1, vec2):
    return einops.einsum(vec1, vec2, "i, i -> i")
'''),
    ("einsum_outer", "ties both vectors to i: elementwise product", '''
def einsum_outer(vec1, vec2):
    return einops.einsum(vec1, vec2, "i, i -> i")
'''),
    ("einsum_outer", "output axes swapped (np.outer(vec2, vec1)): equal only for equal vectors", '''
def einsum_outer(vec1, vec2):
    return einops.einsum(vec1, vec2, "i, j -> j i")
'''),
]

RIGHT = [
    # --- einops puzzles: NumPy or torch instead of einops, other dtypes and containers
    ("arr1", "np.concatenate of the six digits along the height, as float32", '''
arr1 = np.concatenate(list(arr), axis=1).astype(np.float32)
'''),
    ("arr2", "torch.cat of two copies, as a float tensor", '''
arr2 = t.cat([t.from_numpy(arr[0])] * 2, dim=1).float()
'''),
    ("arr3", "np.tile of the stacked column", '''
arr3 = np.tile(np.concatenate([arr[0], arr[1]], axis=1), (1, 1, 2))
'''),
    ("arr4", "np.repeat along the height, as int64", '''
arr4 = np.repeat(arr[0], 2, axis=1).astype(np.int64)
'''),
    ("arr5", "np.concatenate of the three channels", '''
arr5 = np.concatenate(list(arr[0]), axis=1)
'''),
    ("arr6", "torch: two rows of three digits, then the rows on top of each other", '''
digits = t.from_numpy(arr)
arr6 = t.cat([t.cat(list(digits[0:3]), dim=2), t.cat(list(digits[3:6]), dim=2)], dim=1)
'''),
    ("arr7", "NumPy transpose of the last two axes", '''
arr7 = arr[1].transpose(0, 2, 1)
'''),
    ("arr8", "torch max_pool2d, then the grid of puzzle 6", '''
pooled = t.nn.functional.max_pool2d(t.from_numpy(arr).float(), kernel_size=2)
arr8 = einops.rearrange(pooled, "(b1 b2) c h w -> c (b1 h) (b2 w)", b1=2)
'''),
    ("broadcast_answers", "computed with torch, as lists and torch.Size", '''
broadcast_answers = {1: [3, 4, 5], 2: None, 3: t.Size([8, 2, 6]), 4: list((t.ones(10, 20, 30) + t.ones(20, 1)).shape), 5: (4, 4)}
'''),
    ("rearrange_1", "splits with h given instead of w", '''
def rearrange_1():
    return einops.rearrange(t.arange(3, 9), "(h w) -> h w", h=3)
'''),
    ("rearrange_2", "names both sizes", '''
def rearrange_2():
    return einops.rearrange(t.arange(1, 7), "(a b) -> a b", a=2, b=3)
'''),
    ("rearrange_3", "splits into three named axes", '''
def rearrange_3():
    return einops.rearrange(t.arange(1, 7), "(a b c) -> a b c", a=1, c=1)
'''),
    ("temperatures_average", "view as (weeks, 7) and mean, in float64", '''
def temperatures_average(temps):
    return temps.double().view(-1, 7).mean(dim=1)
'''),
    ("temperatures_differences", "broadcast against (w, 1) averages, then flatten", '''
def temperatures_differences(temps):
    weeks = einops.rearrange(temps, "(w d) -> w d", d=7)
    return einops.rearrange(weeks - weeks.mean(dim=1, keepdim=True), "w d -> (w d)")
'''),
    ("temperatures_normalized", "std with keepdim and an explicit correction=1", '''
def temperatures_normalized(temps):
    weeks = temps.reshape(-1, 7)
    mean = weeks.mean(dim=1, keepdim=True)
    std = weeks.std(dim=1, keepdim=True, correction=1)
    return ((weeks - mean) / std).reshape(-1)
'''),
    ("normalize_rows", "torch.nn.functional.normalize", '''
def normalize_rows(matrix):
    return t.nn.functional.normalize(matrix, p=2, dim=1, eps=0.0)
'''),
    ("normalize_rows", "sum of squares and sqrt by hand, through einops", '''
def normalize_rows(matrix):
    norms = einops.reduce(matrix ** 2, "m n -> m 1", "sum").sqrt()
    return matrix / norms
'''),
    ("cos_sim_matrix", "broadcast products and a sum, without normalize_rows", '''
def cos_sim_matrix(matrix):
    unit = matrix / (matrix * matrix).sum(dim=1, keepdim=True).sqrt()
    return (unit[:, None, :] * unit[None, :, :]).sum(dim=-1)
'''),
    ("cos_sim_matrix", "torch.cosine_similarity with broadcasting", '''
def cos_sim_matrix(matrix):
    return t.cosine_similarity(matrix[:, None, :], matrix[None, :, :], dim=-1)
'''),
    ("sample_distribution", "rand + cumsum + searchsorted", '''
def sample_distribution(probs, n):
    return t.searchsorted(probs.cumsum(0), t.rand(n, dtype=probs.dtype), right=True)
'''),
    ("sample_distribution", "the hint: count the cumulative sums below u", '''
def sample_distribution(probs, n):
    return (t.rand(n, 1) > t.cumsum(probs, dim=0)).sum(dim=-1)
'''),
    ("classifier_accuracy", "a Python float from a count", '''
def classifier_accuracy(scores, true_classes):
    predictions = t.argmax(scores, dim=-1)
    return (predictions == true_classes).sum().item() / len(true_classes)
'''),
    ("total_price_indexing", "returns a 0-dim tensor instead of a float", '''
def total_price_indexing(prices, items):
    return prices[items].sum()
'''),
    ("total_price_indexing", "bincount with minlength, as a dot product", '''
def total_price_indexing(prices, items):
    return t.bincount(items, minlength=len(prices)).to(prices.dtype) @ prices
'''),
    ("gather_2d", "asserts written differently: dim(), size(), min() and max()", '''
def gather_2d(matrix, indexes):
    assert indexes.size(0) == matrix.size(0), "row counts differ"
    assert matrix.dim() == 2, "matrix must be 2D"
    assert indexes.dim() == 2, "indexes must be 2D"
    assert indexes.min() >= 0 and indexes.max() < matrix.size(1), "index out of range"
    out = matrix.gather(1, indexes)
    assert out.shape == indexes.shape
    return out
'''),
    ("total_price_gather", "t.gather as a function, 0-dim tensor result", '''
def total_price_gather(prices, items):
    return t.gather(prices, 0, items).sum()
'''),
    ("integer_array_indexing", "unbind the coordinate columns into a tuple", '''
def integer_array_indexing(matrix, coords):
    return matrix[coords.unbind(dim=1)]
'''),
    ("integer_array_indexing", "a list index (deprecated; it warns, which must not cost points)", '''
def integer_array_indexing(matrix, coords):
    return matrix[list(coords.T)]
'''),
    ("integer_array_indexing", "flat index through row-major strides", '''
def integer_array_indexing(matrix, coords):
    strides = t.tensor([math.prod(matrix.shape[d + 1:]) for d in range(matrix.ndim)])
    return matrix.flatten()[(coords * strides).sum(dim=1)]
'''),
    ("batched_logsumexp", "keepdim max, computed in float64", '''
def batched_logsumexp(matrix):
    m = matrix.double().max(dim=-1, keepdim=True).values
    return (m + (matrix.double() - m).exp().sum(dim=-1, keepdim=True).log()).squeeze(-1)
'''),
    ("batched_softmax", "max and sum with einops.reduce, keeping a size-1 axis for broadcasting", '''
def batched_softmax(matrix):
    top = einops.reduce(matrix, "b n -> b 1", "max")
    e = t.exp(matrix - top)
    return e / einops.reduce(e, "b n -> b 1", "sum")
'''),
    ("batched_logsoftmax", "x minus the stable logsumexp from above", '''
def batched_logsoftmax(matrix):
    return matrix - batched_logsumexp(matrix)[:, None]
'''),
    ("batched_cross_entropy_loss", "integer array indexing instead of gather", '''
def batched_cross_entropy_loss(logits, true_labels):
    log_probs = batched_logsoftmax(logits)
    return -log_probs[t.arange(len(true_labels)), true_labels]
'''),
    ("batched_cross_entropy_loss", "logsumexp minus the true logit, without logsoftmax", '''
def batched_cross_entropy_loss(logits, true_labels):
    true_logit = logits.gather(1, true_labels[:, None]).squeeze(1)
    return batched_logsumexp(logits) - true_logit
'''),
    ("collect_rows", "index_select", '''
def collect_rows(matrix, row_indexes):
    return matrix.index_select(0, row_indexes)
'''),
    ("collect_rows", "gather with an index expanded to the matrix width", '''
def collect_rows(matrix, row_indexes):
    return matrix.gather(0, einops.repeat(row_indexes, "k -> k n", n=matrix.shape[1]))
'''),
    ("collect_columns", "index_select along dim 1", '''
def collect_columns(matrix, column_indexes):
    return t.index_select(matrix, 1, column_indexes)
'''),
    ("collect_columns", "collect_rows of the transpose, transposed back", '''
def collect_columns(matrix, column_indexes):
    return collect_rows(matrix.T, column_indexes).T
'''),
    ("batched_dot_product_nd", "einops.einsum with an ellipsis", '''
def batched_dot_product_nd(a, b):
    return einops.einsum(a, b, "batch ..., batch ... -> batch")
'''),
    ("identity_matrix", "float zeros with the diagonal written through indexing", '''
def identity_matrix(n):
    out = t.zeros(n, n)
    out[t.arange(n), t.arange(n)] = 1
    return out
'''),
    ("identity_matrix", "every (n + 1)-th entry of a flat arange is on the diagonal", '''
def identity_matrix(n):
    return (t.arange(n * n) % (n + 1) == 0).reshape(n, n).int()
'''),
    ("einsum_trace", "np.einsum spelling", '''
def einsum_trace(mat):
    return np.einsum("ii->", mat)
'''),
    ("einsum_trace", "diagonal with einops, summed by NumPy", '''
def einsum_trace(mat):
    return einops.einsum(mat, "i i -> i").sum()
'''),
    ("einsum_mv", "word-named axes", '''
def einsum_mv(mat, vec):
    return einops.einsum(mat, vec, "row col, col -> row")
'''),
    ("einsum_mm", "torch.einsum on tensors, returned as a tensor", '''
def einsum_mm(mat1, mat2):
    return t.einsum("ij,jk->ik", t.from_numpy(mat1), t.from_numpy(mat2))
'''),
    ("einsum_inner", "np.einsum spelling", '''
def einsum_inner(vec1, vec2):
    return np.einsum("i,i->", vec1, vec2)
'''),
]


SEED_000_SOLUTIONS = [  # (exercise, code): seed 000's published solutions, verbatim; they must score full marks
    ('arr1', '''
arr1 = einops.rearrange(arr, "b c h w -> c (b h) w")
'''),
    ('arr2', '''
arr2 = einops.repeat(arr[0], "c h w -> c (2 h) w")
'''),
    ('arr3', '''
arr3 = einops.repeat(arr[0:2], "b c h w -> c (b h) (2 w)")
'''),
    ('arr4', '''
arr4 = einops.repeat(arr[0], "c h w -> c (h 2) w")
'''),
    ('arr5', '''
arr5 = einops.rearrange(arr[0], "c h w -> h (c w)")
'''),
    ('arr6', '''
arr6 = einops.rearrange(arr, "(b1 b2) c h w -> c (b1 h) (b2 w)", b1=2)
'''),
    ('arr7', '''
arr7 = einops.rearrange(arr[1], "c h w -> c w h")
'''),
    ('arr8', '''
arr8 = einops.reduce(arr, "(b1 b2) c (h h2) (w w2) -> c (b1 h) (b2 w)", "max", h2=2, w2=2, b1=2)
'''),
    ('rearrange_1', '''
def rearrange_1() -> Tensor:
    """Return the following tensor using only t.arange and einops.rearrange:

    [[3, 4],
     [5, 6],
     [7, 8]]
    """
    return einops.rearrange(t.arange(3, 9), "(h w) -> h w", h=3, w=2)
'''),
    ('rearrange_2', '''
def rearrange_2() -> Tensor:
    """Return the following tensor using only t.arange and einops.rearrange:

    [[1, 2, 3],
     [4, 5, 6]]
    """
    return einops.rearrange(t.arange(1, 7), "(h w) -> h w", h=2, w=3)
'''),
    ('temperatures_average', '''
def temperatures_average(temps: Tensor) -> Tensor:
    """Return the average temperature for each week.

    temps: a 1D temperature containing temperatures for each day.
    Length will be a multiple of 7 and the first 7 days are for the first week, second 7 days for the second week, etc.

    You can do this with a single call to reduce.
    """
    assert len(temps) % 7 == 0
    return einops.reduce(temps, "(h 7) -> h", "mean")
'''),
    ('temperatures_differences', '''
def temperatures_differences(temps: Tensor) -> Tensor:
    """For each day, subtract the average for the week the day belongs to.

    temps: as above
    """
    assert len(temps) % 7 == 0
    avg = einops.reduce(temps, "(w 7) -> w", "mean")
    return temps - einops.repeat(avg, "w -> (w 7)")
'''),
    ('temperatures_normalized', '''
def temperatures_normalized(temps: Tensor) -> Tensor:
    """For each day, subtract the weekly average and divide by the weekly standard deviation.

    temps: as above

    Pass t.std to reduce.
    """
    avg = einops.reduce(temps, "(w 7) -> w", "mean")
    std = einops.reduce(temps, "(h 7) -> h", t.std)
    return (temps - einops.repeat(avg, "w -> (w 7)")) / einops.repeat(std, "w -> (w 7)")
'''),
    ('normalize_rows', '''
def normalize_rows(matrix: Tensor) -> Tensor:
    """Normalize each row of the given 2D matrix.

    matrix: a 2D tensor of shape (m, n).

    Returns: a tensor of the same shape where each row is divided by its l2 norm.
    """
    row_norms = matrix.norm(dim=1, keepdim=True)  # keepdim=True
    return matrix / row_norms
'''),
    ('cos_sim_matrix', '''
def cos_sim_matrix(matrix: Tensor) -> Tensor:
    """Return the cosine similarity matrix for each pair of rows of the given matrix.

    matrix: shape (m, n)
    """
    matrix_normalized = normalize_rows(matrix)
    return matrix_normalized @ matrix_normalized.T
'''),
    ('sample_distribution', '''
def sample_distribution(probs: Tensor, n: int) -> Tensor:
    """Return n random samples from probs, where probs is a normalized probability distribution.

    probs: shape (k,) where probs[i] is the probability of event i occurring.
    n: number of random samples

    Return: shape (n,) where out[i] is an integer indicating which event was sampled.

    Use t.rand and t.cumsum to do this without any explicit loops.
    """
    assert abs(probs.sum() - 1.0) < 0.001
    assert (probs >= 0).all()
    return (t.rand(n, 1) > t.cumsum(probs, dim=0)).sum(dim=-1)
'''),
    ('classifier_accuracy', '''
def classifier_accuracy(scores: Tensor, true_classes: Tensor) -> Tensor:
    """Return the fraction of inputs for which the maximum score corresponds to the true class for that input.

    scores: shape (batch, n_classes). A higher score[b, i] means that the classifier thinks class i is more likely.
    true_classes: shape (batch, ). true_classes[b] is an integer from [0...n_classes).

    Use t.argmax.
    """
    assert true_classes.max() < scores.shape[1]
    return (scores.argmax(dim=1) == true_classes).float().mean()
'''),
    ('total_price_indexing', '''
def total_price_indexing(prices: Tensor, items: Tensor) -> float:
    """Given prices for each kind of item and a tensor of items purchased, return the total price.

    prices: shape (k, ). prices[i] is the price of the ith item.
    items: shape (n, ). A 1D tensor where each value is an item index from [0..k).

    Use integer array indexing. The below document describes this for NumPy but it's the same in PyTorch:

    https://numpy.org/doc/stable/user/basics.indexing.html#integer-array-indexing
    """
    assert items.max() < prices.shape[0]
    return prices[items].sum().item()
'''),
    ('gather_2d', '''
def gather_2d(matrix: Tensor, indexes: Tensor) -> Tensor:
    """Perform a gather operation along the second dimension.

    matrix: shape (m, n)
    indexes: shape (m, k)

    Return: shape (m, k). out[i][j] = matrix[i][indexes[i][j]]

    For this problem, the test already passes and it's your job to write at least three asserts relating the arguments and the output. This is a tricky function and worth spending some time to wrap your head around its behavior.

    See: https://pytorch.org/docs/stable/generated/torch.gather.html?highlight=gather#torch.gather
    """
    assert matrix.ndim == indexes.ndim
    assert indexes.shape[0] <= matrix.shape[0]

    out = matrix.gather(1, indexes)
    assert out.shape == indexes.shape

    return out
'''),
    ('total_price_gather', '''
def total_price_gather(prices: Tensor, items: Tensor) -> float:
    """Compute the same as total_price_indexing, but use torch.gather."""
    assert items.max() < prices.shape[0]
    return prices.gather(0, items).sum().item()
'''),
    ('integer_array_indexing', '''
def integer_array_indexing(matrix: Tensor, coords: Tensor) -> Tensor:
    """Return the values at each coordinate using integer array indexing.

    For details on integer array indexing, see:
    https://numpy.org/doc/stable/user/basics.indexing.html#integer-array-indexing

    matrix: shape (d_0, d_1, ..., d_n)
    coords: shape (batch, n)

    Return: (batch, )
    """
    return matrix[tuple(coords.T)]
'''),
    ('batched_logsumexp', '''
def batched_logsumexp(matrix: Tensor) -> Tensor:
    """For each row of the matrix, compute log(sum(exp(row))) in a numerically stable way.

    matrix: shape (batch, n)

    Return: (batch, ). For each i, out[i] = log(sum(exp(matrix[i]))).

    Do this without using PyTorch's logsumexp function.

    A couple useful blogs about this function:
    - https://leimao.github.io/blog/LogSumExp/
    - https://gregorygundersen.com/blog/2020/02/09/log-sum-exp/
    """
    C = matrix.max(dim=-1).values
    exps = t.exp(matrix - einops.rearrange(C, "n -> n 1"))
    return C + t.log(t.sum(exps, dim=-1))
'''),
    ('batched_softmax', '''
def batched_softmax(matrix: Tensor) -> Tensor:
    """For each row of the matrix, compute softmax(row).

    Do this without using PyTorch's softmax function.
    Instead, use the definition of softmax: https://en.wikipedia.org/wiki/Softmax_function

    matrix: shape (batch, n)

    Return: (batch, n). For each i, out[i] should sum to 1.
    """
    exp = matrix.exp()
    return exp / exp.sum(dim=-1, keepdim=True)
'''),
    ('batched_logsoftmax', '''
def batched_logsoftmax(matrix: Tensor) -> Tensor:
    """Compute log(softmax(row)) for each row of the matrix.

    matrix: shape (batch, n)

    Return: (batch, n). For each i, out[i] should sum to 1.

    Do this without using PyTorch's logsoftmax function.
    For each row, subtract the maximum first to avoid overflow if the row contains large values.
    """
    C = matrix.max(dim=1, keepdim=True).values
    return matrix - C - (matrix - C).exp().sum(dim=1, keepdim=True).log()
'''),
    ('batched_cross_entropy_loss', '''
def batched_cross_entropy_loss(logits: Tensor, true_labels: Tensor) -> Tensor:
    """Compute the cross entropy loss for each example in the batch.

    logits: shape (batch, classes). logits[i][j] is the unnormalized prediction for example i and class j.
    true_labels: shape (batch, ). true_labels[i] is an integer index representing the true class for example i.

    Return: shape (batch, ). out[i] is the loss for example i.

    Hint: convert the logits to log-probabilities using your batched_logsoftmax from above.
    Then the loss for an example is just the negative of the log-probability that the model assigned to the true class. Use torch.gather to perform the indexing.
    """
    assert logits.shape[0] == true_labels.shape[0]
    assert true_labels.max() < logits.shape[1]
    logprobs = batched_logsoftmax(logits)
    indices = einops.rearrange(true_labels, "n -> n 1")
    pred_at_index = logprobs.gather(1, indices)
    return -einops.rearrange(pred_at_index, "n 1 -> n")
'''),
    ('collect_rows', '''
def collect_rows(matrix: Tensor, row_indexes: Tensor) -> Tensor:
    """Return a 2D matrix whose rows are taken from the input matrix in order according to row_indexes.

    matrix: shape (m, n)
    row_indexes: shape (k,). Each value is an integer in [0..m).

    Return: shape (k, n). out[i] is matrix[row_indexes[i]].
    """
    assert row_indexes.max() < matrix.shape[0]
    return matrix[row_indexes]
'''),
    ('collect_columns', '''
def collect_columns(matrix: Tensor, column_indexes: Tensor) -> Tensor:
    """Return a 2D matrix whose columns are taken from the input matrix in order according to column_indexes.

    matrix: shape (m, n)
    column_indexes: shape (k,). Each value is an integer in [0..n).

    Return: shape (m, k). out[:, i] is matrix[:, column_indexes[i]].
    """
    assert column_indexes.max() < matrix.shape[1]
    return matrix[:, column_indexes]
'''),
]

RIGHT += [(exercise, "seed 000's published solution", code) for exercise, code in SEED_000_SOLUTIONS]

# --- Instructions the text gives ("without X", "use Y"), in place of the inputs (issue: wrong answers that
# --- get full marks). Each class has several variants: the plain call, a method or alias, another spelling.
WRONG += [
    # "built with t.arange and einops.rearrange only": writing the numbers out is not that.
    ("rearrange_1", "writes the numbers out with t.tensor", '''
def rearrange_1():
    return t.tensor([[3, 4], [5, 6], [7, 8]])
'''),
    ("rearrange_2", "arange then view instead of rearrange", '''
def rearrange_2():
    return t.arange(1, 7).view(2, 3)
'''),
    ("rearrange_3", "arange then reshape instead of rearrange", '''
def rearrange_3():
    return t.arange(1, 7).reshape(1, 6, 1)
'''),
    # "without PyTorch's softmax / logsumexp / log_softmax"
    ("batched_softmax", "calls t.softmax", '''
def batched_softmax(matrix):
    return t.softmax(matrix, dim=-1)
'''),
    ("batched_softmax", "the Tensor method .softmax", '''
def batched_softmax(matrix):
    return matrix.softmax(-1)
'''),
    ("batched_softmax", "nn.functional.softmax under another name", '''
from torch.nn.functional import softmax as normalise
def batched_softmax(matrix):
    return normalise(matrix, dim=1)
'''),
    ("batched_softmax", "exp of PyTorch's log_softmax", '''
def batched_softmax(matrix):
    return t.nn.functional.log_softmax(matrix, dim=-1).exp()
'''),
    ("batched_logsumexp", "calls t.logsumexp", '''
def batched_logsumexp(matrix):
    return t.logsumexp(matrix, dim=-1)
'''),
    ("batched_logsumexp", "the Tensor method .logsumexp", '''
def batched_logsumexp(matrix):
    return matrix.logsumexp(dim=1)
'''),
    ("batched_logsumexp", "torch.special.logsumexp", '''
def batched_logsumexp(matrix):
    return t.special.logsumexp(matrix, 1)
'''),
    ("batched_logsoftmax", "calls t.log_softmax", '''
def batched_logsoftmax(matrix):
    return t.log_softmax(matrix, dim=-1)
'''),
    ("batched_logsoftmax", "the Tensor method .log_softmax", '''
def batched_logsoftmax(matrix):
    return matrix.log_softmax(dim=1)
'''),
    ("batched_logsoftmax", "nn.LogSoftmax module", '''
def batched_logsoftmax(matrix):
    return t.nn.LogSoftmax(dim=-1)(matrix)
'''),
    ("batched_cross_entropy_loss", "PyTorch's cross_entropy with reduction='none'", '''
def batched_cross_entropy_loss(logits, true_labels):
    return t.nn.functional.cross_entropy(logits, true_labels, reduction="none")
'''),
    ("batched_cross_entropy_loss", "nn.CrossEntropyLoss module", '''
def batched_cross_entropy_loss(logits, true_labels):
    return t.nn.CrossEntropyLoss(reduction="none")(logits, true_labels)
'''),
    ("batched_cross_entropy_loss", "nll_loss of PyTorch's log_softmax", '''
def batched_cross_entropy_loss(logits, true_labels):
    return t.nn.functional.nll_loss(logits.log_softmax(-1), true_labels, reduction="none")
'''),
    # "without t.eye (or anything like it)"
    ("identity_matrix", "calls t.eye", '''
def identity_matrix(n):
    return t.eye(n)
'''),
    ("identity_matrix", "t.diag of ones", '''
def identity_matrix(n):
    return t.diag(t.ones(n))
'''),
    ("identity_matrix", "np.identity converted to a tensor", '''
def identity_matrix(n):
    return t.from_numpy(np.identity(n))
'''),
    ("identity_matrix", "fill_diagonal_ on zeros", '''
def identity_matrix(n):
    return t.zeros(n, n).fill_diagonal_(1)
'''),
    # "use einsum"
    ("batched_dot_product_nd", "reshape and a row-wise sum: right values, but the text asks for einsum", '''
def batched_dot_product_nd(a, b):
    return (a.reshape(len(a), -1) * b.reshape(len(b), -1)).sum(dim=1)
'''),
    ("batched_dot_product_nd", "flatten and a batched matrix product", '''
def batched_dot_product_nd(a, b):
    return (a.flatten(1)[:, None, :] @ b.flatten(1)[:, :, None]).flatten()
'''),
    ("einsum_outer", "broadcasting instead of einsum", '''
def einsum_outer(vec1, vec2):
    return vec1[:, None] * vec2[None, :]
'''),
    ("einsum_outer", "np.outer", '''
def einsum_outer(vec1, vec2):
    return np.outer(vec1, vec2)
'''),
    ("einsum_trace", "np.trace", '''
def einsum_trace(mat):
    return np.trace(mat)
'''),
    ("einsum_trace", "the diagonal method, summed", '''
def einsum_trace(mat):
    return mat.diagonal().sum()
'''),
    ("einsum_mm", "the @ operator", '''
def einsum_mm(mat1, mat2):
    return mat1 @ mat2
'''),
    ("einsum_mv", "np.dot", '''
def einsum_mv(mat, vec):
    return np.dot(mat, vec)
'''),
    ("einsum_inner", "np.inner", '''
def einsum_inner(vec1, vec2):
    return np.inner(vec1, vec2)
'''),
    ("einsum_inner", "elementwise product and sum", '''
def einsum_inner(vec1, vec2):
    return (vec1 * vec2).sum()
'''),
    # "use integer array indexing" / "use t.gather"
    ("total_price_indexing", "gather instead of integer array indexing", '''
def total_price_indexing(prices, items):
    return prices.gather(0, items).sum().item()
'''),
    ("total_price_indexing", "index_select instead of integer array indexing", '''
def total_price_indexing(prices, items):
    return prices.index_select(0, items).sum()
'''),
    ("total_price_gather", "integer array indexing instead of gather", '''
def total_price_gather(prices, items):
    return prices[items].sum().item()
'''),
    ("total_price_gather", "bincount dot product instead of gather", '''
def total_price_gather(prices, items):
    return t.bincount(items, minlength=len(prices)).to(prices.dtype) @ prices
'''),
    # "use t.rand and t.cumsum"
    ("sample_distribution", "torch.multinomial instead of rand and cumsum", '''
def sample_distribution(probs, n):
    return t.multinomial(probs, n, replacement=True)
'''),
]

WRONG += [
    ("sample_distribution", "exponential race (argmax of log(u) / p): a valid sampler, but the text asks for t.rand and t.cumsum", '''
def sample_distribution(probs, n):
    return (t.rand(n, len(probs), dtype=probs.dtype).log() / probs).argmax(dim=-1)
'''),
]

# --- Inputs modified in place: the text says never to.
WRONG += [
    ("temperatures_differences", "subtracts the weekly means from temps in place", '''
def temperatures_differences(temps):
    weekly = einops.reduce(temps, "(w 7) -> w", "mean")
    temps -= einops.repeat(weekly, "w -> (w 7)")
    return temps
'''),
    ("temperatures_normalized", "normalises a view of temps in place", '''
def temperatures_normalized(temps):
    weeks = temps.view(-1, 7)
    weeks.sub_(weeks.mean(dim=1, keepdim=True)).div_(weeks.std(dim=1, keepdim=True))
    return temps
'''),
    ("normalize_rows", "divides the matrix in place", '''
def normalize_rows(matrix):
    matrix /= matrix.norm(dim=1, keepdim=True)
    return matrix
'''),
    ("cos_sim_matrix", "normalises the input's rows in place first", '''
def cos_sim_matrix(matrix):
    matrix.div_(matrix.norm(dim=1, keepdim=True))
    return matrix @ matrix.T
'''),
    ("batched_softmax", "exponentiates the input in place", '''
def batched_softmax(matrix):
    e = matrix.exp_()
    return e / e.sum(dim=-1, keepdim=True)
'''),
    ("batched_logsoftmax", "shifts the input in place with sub_", '''
def batched_logsoftmax(matrix):
    matrix.sub_(matrix.max(dim=1, keepdim=True).values)
    return matrix - matrix.exp().sum(dim=1, keepdim=True).log()
'''),
    ("batched_cross_entropy_loss", "clamps -inf logits in place", '''
def batched_cross_entropy_loss(logits, true_labels):
    logits.clamp_(min=-1e30)
    return -batched_logsoftmax(logits).gather(1, true_labels[:, None])[:, 0]
'''),
    ("batched_dot_product_nd", "multiplies a into place", '''
def batched_dot_product_nd(a, b):
    a.mul_(b)
    return t.einsum("b...->b", a)
'''),
    ("sample_distribution", "renormalises probs in place", '''
def sample_distribution(probs, n):
    probs.add_(1e-9).div_(probs.sum())
    return (t.rand(n, 1, dtype=probs.dtype) >= probs.cumsum(0)).sum(-1)
'''),
    ("classifier_accuracy", "zeroes the true classes in place after counting", '''
def classifier_accuracy(scores, true_classes):
    hits = (scores.argmax(dim=1) == true_classes).float().mean()
    true_classes.zero_()
    return hits
'''),
    ("collect_rows", "clears the matrix after indexing, as if it were a scratch buffer", '''
def collect_rows(matrix, row_indexes):
    out = matrix[row_indexes]
    matrix.zero_()
    return out
'''),
    ("einsum_outer", "scales the first vector in place", '''
def einsum_outer(vec1, vec2):
    vec1 *= 2
    return einops.einsum(vec1 / 2, vec2, "i, j -> i j")
'''),
]

# --- Sampling that isn't random.
WRONG += [
    ("sample_distribution", "evenly spaced quantiles (t.rand only for show): perfect frequencies, no randomness", '''
def sample_distribution(probs, n):
    u = (t.arange(n, dtype=probs.dtype) + 0.5) / n
    u = u * t.rand(1, dtype=probs.dtype).clamp(min=1.0)
    return (u[:, None] >= probs.cumsum(0)).sum(-1)
'''),
    ("sample_distribution", "a fixed private generator: every call returns the same samples", '''
def sample_distribution(probs, n):
    g = t.Generator().manual_seed(0)
    u = t.rand(n, 1, generator=g, dtype=probs.dtype)
    return (u >= probs.cumsum(0)).sum(-1)
'''),
    ("sample_distribution", "sorted samples: right frequencies, but not independent draws", '''
def sample_distribution(probs, n):
    u = t.rand(n, 1, dtype=probs.dtype)
    return (u >= probs.cumsum(0)).sum(-1).sort().values
'''),
]

RIGHT += [
    ("sample_distribution", "searchsorted on the cumulative sums of float64 probabilities", '''
def sample_distribution(probs, n):
    edges = probs.double().cumsum(0)
    u = t.rand(n, dtype=t.float64) * edges[-1]
    return t.searchsorted(edges, u, right=True).clamp(max=len(probs) - 1)
'''),
    ("identity_matrix", "an outer comparison with broadcasting, as float", '''
def identity_matrix(n):
    i = t.arange(n)
    return (i.unsqueeze(1) - i.unsqueeze(0) == 0).float()
'''),
    ("einsum_outer", "np.einsum spelling with one letter per axis", '''
def einsum_outer(vec1, vec2):
    return np.einsum("i,j->ij", vec1, vec2)
'''),
    ("batched_cross_entropy_loss", "gather with keepdim-style index, squeeze at the end", '''
def batched_cross_entropy_loss(logits, true_labels):
    return -t.gather(batched_logsoftmax(logits), 1, true_labels.unsqueeze(1)).squeeze(1)
'''),
]

WRONG += [
    ("gather_2d", "clamps the caller's indexes into range instead of rejecting them", '''
def gather_2d(matrix, indexes):
    assert matrix.ndim == indexes.ndim == 2
    assert indexes.shape[0] <= matrix.shape[0]
    indexes.clamp_(0, matrix.shape[1] - 1)
    out = matrix.gather(1, indexes)
    assert out.shape == indexes.shape
    return out
'''),
]

# --- Red team r3 (blind answers, then checked against the master).
RIGHT += [
    ("cos_sim_matrix", "einsum of the normalised rows", '''
def cos_sim_matrix(matrix):
    unit = matrix / matrix.norm(dim=1, keepdim=True)
    return t.einsum("ik,jk->ij", unit, unit)
'''),
    ("sample_distribution", "uniforms as a column, count of right ends <= u, clamped to the last possible class", '''
def sample_distribution(probs, n):
    u = t.rand((n, 1))
    out = (u >= t.cumsum(probs, 0)[None, :]).sum(dim=1)
    return out.clamp(max=int(t.nonzero(probs).max()))
'''),
    ("gather_2d", "stricter asserts the docstring allows: equal rows, int64, indexes in range", '''
def gather_2d(matrix, indexes):
    assert indexes.dim() == matrix.dim() == 2
    assert indexes.shape[0] == matrix.shape[0]
    assert indexes.dtype == t.int64
    assert ((indexes >= 0) & (indexes < matrix.shape[1])).all()
    out = matrix.gather(1, indexes)
    assert out.shape == indexes.shape
    return out
'''),
    ("batched_logsumexp", "amax with keepdim, squeezed at the end", '''
def batched_logsumexp(matrix):
    m = matrix.amax(dim=1, keepdim=True)
    return (m + (matrix - m).exp().sum(dim=1, keepdim=True).log()).squeeze(1)
'''),
    ("batched_softmax", "the plain definition, no shift (the rows are moderate)", '''
def batched_softmax(matrix):
    e = t.exp(matrix)
    return e / e.sum(dim=1, keepdim=True)
'''),
    ("batched_softmax", "exp of x minus PyTorch's logsumexp (not a softmax function)", '''
def batched_softmax(matrix):
    return (matrix - t.logsumexp(matrix, dim=1, keepdim=True)).exp()
'''),
    ("einsum_trace", "word-named axis", '''
def einsum_trace(mat):
    return einops.einsum(mat, "row row ->")
'''),
    ("einsum_mm", "word-named axes", '''
def einsum_mm(mat1, mat2):
    return einops.einsum(mat1, mat2, "m inner, inner p -> m p")
'''),
]

WRONG += [
    ("cos_sim_matrix", "absolute value of the similarities: right only when no two rows point apart", '''
def cos_sim_matrix(matrix):
    unit = matrix / matrix.norm(dim=1, keepdim=True)
    return (unit @ unit.T).abs()
'''),
    ("sample_distribution", "stratified uniforms, shuffled: uses t.rand and t.cumsum, but draws are not independent", '''
def sample_distribution(probs, n):
    u = (t.arange(n, dtype=probs.dtype) + t.rand(n, dtype=probs.dtype)) / n
    u = u[t.randperm(n)]
    return (u[:, None] >= probs.cumsum(0)).sum(-1)
'''),
    ("sample_distribution", "exact counts per class, shuffled (t.rand and t.cumsum only for show)", '''
def sample_distribution(probs, n):
    counts = (probs * n).round().long()
    counts[-1] += n - counts.sum()
    edges = t.cumsum(counts, 0)
    slots = t.arange(n)[:, None] >= edges
    order = t.rand(n).argsort()
    return slots.sum(-1)[order]
'''),
    ("total_price_indexing", "int(): rounds the total down to whole units", '''
def total_price_indexing(prices, items):
    return int(prices[items].sum())
'''),
    ("gather_2d", "row assert the wrong way round (>=)", '''
def gather_2d(matrix, indexes):
    assert indexes.ndim == matrix.ndim
    assert indexes.shape[0] >= matrix.shape[0]
    out = matrix.gather(1, indexes)
    assert out.shape == indexes.shape
    return out
'''),
    ("gather_2d", "asserts False whatever the input: rejecting bad inputs must not pay on its own", '''
def gather_2d(matrix, indexes):
    assert False, "gather_2d is not written yet"
'''),
    ("integer_array_indexing", "flat index from the memory strides: wrong for a non-contiguous matrix", '''
def integer_array_indexing(matrix, coords):
    flat = (coords * t.tensor(matrix.stride())).sum(dim=1)
    return matrix.flatten()[flat]
'''),
    ("batched_softmax", "torch.special.softmax", '''
def batched_softmax(matrix):
    return t.special.softmax(matrix, dim=1)
'''),
    ("batched_softmax", "the private t._softmax", '''
def batched_softmax(matrix):
    return t._softmax(matrix, 1, False)
'''),
    ("batched_softmax", "the aten operator behind softmax, reached through t.ops", '''
def batched_softmax(matrix):
    return t.ops.aten.softmax.int(matrix, 1)
'''),
    ("batched_softmax", "sparse softmax of a sparse copy", '''
def batched_softmax(matrix):
    return t.sparse.softmax(matrix.to_sparse(), 1).to_dense()
'''),
    ("batched_logsoftmax", "logsumexp without keepdim: broadcasts right only for a batch of one", '''
def batched_logsoftmax(matrix):
    return matrix - batched_logsumexp(matrix)
'''),
    ("batched_logsoftmax", "torch.special.log_softmax", '''
def batched_logsoftmax(matrix):
    return t.special.log_softmax(matrix, dim=1)
'''),
    ("batched_logsoftmax", "the private t._log_softmax", '''
def batched_logsoftmax(matrix):
    return t._log_softmax(matrix, 1, False)
'''),
    ("batched_cross_entropy_loss", "the aten log_softmax operator, then gather", '''
def batched_cross_entropy_loss(logits, true_labels):
    return -t.ops.aten._log_softmax.default(logits, 1, False).gather(1, true_labels[:, None])[:, 0]
'''),
    ("collect_rows", "squeeze(): shape (n,) when one row is asked for", '''
def collect_rows(matrix, row_indexes):
    return matrix[row_indexes].squeeze()
'''),
    ("collect_columns", "squeeze(): shape (m,) when one column is asked for", '''
def collect_columns(matrix, column_indexes):
    return matrix[:, column_indexes].squeeze()
'''),
]

RIGHT += [
    ("arr7", "a torch bfloat16 tensor (every value 0..255 is exact in bfloat16)", '''
arr7 = einops.rearrange(t.from_numpy(arr[1]).to(t.bfloat16), "c h w -> c w h")
'''),
]
