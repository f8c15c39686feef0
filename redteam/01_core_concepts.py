"""Blind red team for 01_core_concepts (written from release/ only).

WRONG: (exercise, why it is wrong, code that replaces the solution cell).
RIGHT: (exercise, how it differs, code).
"""

WRONG = [
    # max_rank_of_product
    ("max_rank_of_product", "returns the inner size m: right only when m is the smallest, as in both examples", '''
def max_rank_of_product(n: int, m: int, l: int) -> int:
    return m
'''),
    ("max_rank_of_product", "forgets the outer size n: min(m, l)", '''
def max_rank_of_product(n: int, m: int, l: int) -> int:
    return min(m, l)
'''),
    ("max_rank_of_product", "a float, not the Python int the text asks for", '''
def max_rank_of_product(n: int, m: int, l: int) -> int:
    return float(min(n, m, l))
'''),
    ("max_rank_of_product", "the size of the product, min(n, l): ignores the bottleneck", '''
def max_rank_of_product(n: int, m: int, l: int) -> int:
    return min(n, l)
'''),
    ("max_rank_of_product", "a tensor, not a Python int", '''
def max_rank_of_product(n: int, m: int, l: int) -> int:
    return torch.tensor([n, m, l]).min()
'''),
    # collapse_linear_stack
    ("collapse_linear_stack", "hard-codes two layers, as in the example", '''
def collapse_linear_stack(layers):
    first, second = layers[0], layers[1]
    with torch.no_grad():
        W = second.weight @ first.weight
        b = second.weight @ first.bias + second.bias
    return W, b
'''),
    ("collapse_linear_stack", "b is a 0-d zero when no layer has a bias, not shape (out,)", '''
def collapse_linear_stack(layers):
    with torch.no_grad():
        W = torch.eye(layers[0].in_features)
        b = torch.tensor(0.0)
        for layer in layers:
            W = layer.weight @ W
            b = layer.weight @ b if b.ndim else b
            if layer.bias is not None:
                b = b + layer.bias
    return W, b
'''),
    ("collapse_linear_stack", "crashes on a layer without bias (adds None)", '''
def collapse_linear_stack(layers):
    with torch.no_grad():
        W = torch.eye(layers[0].in_features)
        b = torch.zeros(layers[0].in_features)
        for layer in layers:
            W = layer.weight @ W
            b = layer.weight @ b + layer.bias
    return W, b
'''),
    ("collapse_linear_stack", "accumulates into the last layer's bias in place: changes the layer", '''
def collapse_linear_stack(layers):
    last = layers[-1]
    W = last.weight.detach()
    b = last.bias.detach() if last.bias is not None else torch.zeros(last.out_features)
    for layer in reversed(layers[:-1]):
        if layer.bias is not None:
            b += W @ layer.bias.detach()
        W = W @ layer.weight.detach()
    return W, b
'''),
    ("collapse_linear_stack", "returns NumPy arrays, not the tensors the text asks for", '''
def collapse_linear_stack(layers):
    import numpy as np
    W = np.eye(layers[0].in_features)
    b = np.zeros(layers[0].in_features)
    for layer in layers:
        w = layer.weight.detach().double().numpy()
        W = w @ W
        b = w @ b
        if layer.bias is not None:
            b = b + layer.bias.detach().double().numpy()
    return W, b
'''),
    # why_linear_stacks_collapse
    ("why_linear_stacks_collapse", "statement 1", '''
why_linear_stacks_collapse = 1
'''),
    ("why_linear_stacks_collapse", "statement 3", '''
why_linear_stacks_collapse = 3
'''),
    ("why_linear_stacks_collapse", "hedges with two statements", '''
why_linear_stacks_collapse = [2, 3]
'''),
    # sum_of_normals_mean_var
    ("sum_of_normals_mean_var", "treats the variances as standard deviations in the covariance: right when both are 1", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return mu1 + mu2, var1 + var2 + 2 * rho * var1 * var2
'''),
    ("sum_of_normals_mean_var", "arithmetic mean of the variances in the covariance: right for equal variances", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return mu1 + mu2, var1 + var2 + rho * (var1 + var2)
'''),
    ("sum_of_normals_mean_var", "forgets the factor 2 of the cross term", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return mu1 + mu2, var1 + var2 + rho * math.sqrt(var1 * var2)
'''),
    ("sum_of_normals_mean_var", "uses the larger variance instead of sigma1 sigma2 in the cross term: right for equal variances", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return mu1 + mu2, var1 + var2 + 2 * rho * max(var1, var2)
'''),
    # quadratic_loss_grad
    ("quadratic_loss_grad", "calls autograd, which the text forbids", '''
def quadratic_loss_grad(x, y):
    leaf = x.detach().clone().requires_grad_(True)
    (0.5 * (leaf - y) ** 2).sum().backward()
    return leaf.grad
'''),
    ("quadratic_loss_grad", "sums over the batch: right only for a single example", '''
def quadratic_loss_grad(x, y):
    return (x - y).sum()
'''),
    ("quadratic_loss_grad", "mean reduction: divides by the batch size", '''
def quadratic_loss_grad(x, y):
    return (x - y) / x.numel()
'''),
    ("quadratic_loss_grad", "subtracts in place: modifies x", '''
def quadratic_loss_grad(x, y):
    return x.sub_(y)
'''),
    ("quadratic_loss_grad", "a Python float: only for 0-d inputs", '''
def quadratic_loss_grad(x, y):
    return float(x - y)
'''),
    ("quadratic_loss_grad", "torch.func.grad, which the text forbids", '''
def quadratic_loss_grad(x, y):
    return torch.func.vmap(torch.func.grad(lambda a, b: 0.5 * (a - b) ** 2))(x.reshape(-1), y.reshape(-1)).reshape(x.shape)
'''),
    # bce_loss_grad
    ("bce_loss_grad", "mean reduction: divides by the batch size", '''
def bce_loss_grad(x, y):
    return (-(y / x) + (1 - y) / (1 - x)) / x.numel()
'''),
    ("bce_loss_grad", "calls autograd, which the text forbids", '''
def bce_loss_grad(x, y):
    leaf = x.detach().clone().requires_grad_(True)
    F.binary_cross_entropy(leaf, y, reduction="sum").backward()
    return leaf.grad
'''),
    ("bce_loss_grad", "sign of the second term wrong", '''
def bce_loss_grad(x, y):
    return -(y / x) - (1 - y) / (1 - x)
'''),
    ("bce_loss_grad", "modifies x in place", '''
def bce_loss_grad(x, y):
    x.sub_(y)
    return x / ((x + y) * (1 - x - y))
'''),
    ("bce_loss_grad", "sums over the batch", '''
def bce_loss_grad(x, y):
    return (-(y / x) + (1 - y) / (1 - x)).sum()
'''),
    # uniform_guess_cross_entropy
    ("uniform_guess_cross_entropy", "log of the support size, not of the vocabulary: right when no entry is 0", '''
def uniform_guess_cross_entropy(p):
    return math.log(int((p > 0).sum()))
'''),
    ("uniform_guess_cross_entropy", "hard-codes the example", '''
def uniform_guess_cross_entropy(p):
    return math.log(3)
'''),
    ("uniform_guess_cross_entropy", "in bits", '''
def uniform_guess_cross_entropy(p):
    return math.log2(len(p))
'''),
    ("uniform_guess_cross_entropy", "the entropy of P instead", '''
def uniform_guess_cross_entropy(p):
    return -torch.special.xlogy(p, p).sum()
'''),
    # exact_guess_cross_entropy
    ("exact_guess_cross_entropy", "p * log p: nan where p is 0", '''
def exact_guess_cross_entropy(p):
    return -(p * p.log()).sum()
'''),
    ("exact_guess_cross_entropy", "in bits", '''
def exact_guess_cross_entropy(p):
    return -torch.special.xlogy(p, p).sum() / math.log(2)
'''),
    ("exact_guess_cross_entropy", "log of the support size (the entropy of a uniform P only)", '''
def exact_guess_cross_entropy(p):
    return math.log(int((p > 0).sum()))
'''),
    ("exact_guess_cross_entropy", "drops zeros by clamping p to 1e-3: biased for small probabilities", '''
def exact_guess_cross_entropy(p):
    return -(p * p.clamp(min=1e-3).log()).sum()
'''),
]

RIGHT = [
    # max_rank_of_product
    ("max_rank_of_product", "sorted, first element", '''
def max_rank_of_product(n, m, l):
    return sorted([n, m, l])[0]
'''),
    ("max_rank_of_product", "a loop with early updates, int() at the end", '''
def max_rank_of_product(n: int, m: int, l: int) -> int:
    best = n
    for size in (m, l):
        if size < best:
            best = size
    return int(best)
'''),
    ("max_rank_of_product", "via a tensor min, converted back to int", '''
def max_rank_of_product(n, m, l):
    return int(torch.tensor([n, m, l]).min().item())
'''),
    # collapse_linear_stack
    ("collapse_linear_stack", "pushes the identity and zero through the stack under no_grad", '''
def collapse_linear_stack(layers):
    stack = nn.Sequential(*layers)
    n_in = layers[0].in_features
    dtype = layers[0].weight.dtype
    with torch.no_grad():
        b = stack(torch.zeros(1, n_in, dtype=dtype))[0]
        W = (stack(torch.eye(n_in, dtype=dtype)) - b).T
    return W.clone(), b.clone()
'''),
    ("collapse_linear_stack", "walks backwards from the last layer, in float64", '''
def collapse_linear_stack(layers):
    last = layers[-1]
    W = last.weight.detach().double().clone()
    b = torch.zeros(last.out_features, dtype=torch.float64)
    if last.bias is not None:
        b = b + last.bias.detach().double()
    for layer in reversed(layers[:-1]):
        if layer.bias is not None:
            b = b + W @ layer.bias.detach().double()
        W = W @ layer.weight.detach().double()
    return W, b
'''),
    ("collapse_linear_stack", "functools.reduce over (W, b) pairs, keeps autograd", '''
import functools

def collapse_linear_stack(layers):
    def pair(layer):
        bias = layer.bias if layer.bias is not None else torch.zeros(layer.out_features, dtype=layer.weight.dtype)
        return layer.weight, bias

    def compose(acc, nxt):
        (W1, b1), (W2, b2) = acc, nxt
        return W2 @ W1, W2 @ b1 + b2

    return functools.reduce(compose, map(pair, layers[1:]), pair(layers[0]))
'''),
    # why_linear_stacks_collapse
    ("why_linear_stacks_collapse", "as a computed int", '''
why_linear_stacks_collapse = int("2")
'''),
    ("why_linear_stacks_collapse", "with a comment and a NumPy int", '''
import numpy as np
why_linear_stacks_collapse = np.int64(2)  # composition of affine maps is affine
'''),
    # sum_of_normals_mean_var
    ("sum_of_normals_mean_var", "covariance matrix quadratic form in torch", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    s1, s2 = math.sqrt(var1), math.sqrt(var2)
    cov = torch.tensor([[var1, rho * s1 * s2], [rho * s1 * s2, var2]], dtype=torch.float64)
    ones = torch.ones(2, dtype=torch.float64)
    return torch.tensor(mu1 + mu2, dtype=torch.float64), ones @ cov @ ones
'''),
    ("sum_of_normals_mean_var", "standard deviations with ** 0.5, keyword use", '''
def sum_of_normals_mean_var(mu1: float, var1: float, mu2: float, var2: float, rho: float = 0.0):
    sd1, sd2 = var1 ** 0.5, var2 ** 0.5
    covariance = rho * sd1 * sd2
    mean = mu1 + mu2
    variance = var1 + var2 + 2 * covariance
    return float(mean), float(variance)
'''),
    ("sum_of_normals_mean_var", "returns a list instead of a tuple (the text says a pair)", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return [mu1 + mu2, (math.sqrt(var1) + rho * math.sqrt(var2)) ** 2 + (1 - rho ** 2) * var2]
'''),
    # quadratic_loss_grad
    ("quadratic_loss_grad", "torch.sub", '''
def quadratic_loss_grad(x, y):
    return torch.sub(x, y)
'''),
    ("quadratic_loss_grad", "in-place work on a copy", '''
def quadratic_loss_grad(x, y):
    out = x.clone()
    out -= y
    return out
'''),
    # bce_loss_grad
    ("bce_loss_grad", "one fraction (x - y) / (x (1 - x))", '''
def bce_loss_grad(x, y):
    return (x - y) / (x * (1 - x))
'''),
    ("bce_loss_grad", "torch.where on the labels", '''
def bce_loss_grad(x, y):
    return torch.where(y == 1, -1 / x, 1 / (1 - x))
'''),
    # uniform_guess_cross_entropy
    ("uniform_guess_cross_entropy", "the definition -sum P log(1/|V|)", '''
def uniform_guess_cross_entropy(p):
    q = torch.full_like(p, 1.0 / p.numel())
    return -(p * q.log()).sum()
'''),
    ("uniform_guess_cross_entropy", "torch.log of the count as a 0-d tensor", '''
def uniform_guess_cross_entropy(p):
    return torch.log(torch.tensor(float(p.shape[0])))
'''),
    # exact_guess_cross_entropy
    ("exact_guess_cross_entropy", "nansum skips the 0 * log 0 entries", '''
def exact_guess_cross_entropy(p):
    return -torch.nansum(p * torch.log(p))
'''),
    ("exact_guess_cross_entropy", "keeps only the positive entries, returns a float", '''
def exact_guess_cross_entropy(p):
    q = p[p > 0]
    return float(-(q * q.log()).sum())
'''),
]
