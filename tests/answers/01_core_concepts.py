"""Other answers to the exercises of 01_core_concepts: plausible mistakes must lose points, other correct solutions must not.

Each entry is (exercise, why, code that replaces the exercise's solution cell).
"""

WRONG = [
    # --- max_rank_of_product -------------------------------------------------------------
    ("max_rank_of_product", "bounds by the shape of AB only, forgetting the inner dimension m", '''
def max_rank_of_product(n, m, l):
    return min(n, l)
'''),
    ("max_rank_of_product", "thinks the inner dimension alone is the bottleneck (right only when m is smallest)", '''
def max_rank_of_product(n, m, l):
    return m
'''),
    ("max_rank_of_product", "bounds by the rank of A only, forgetting that B can be the narrow one", '''
def max_rank_of_product(n, m, l):
    return min(n, m)
'''),

    # --- collapse_linear_stack ------------------------------------------------------------
    ("collapse_linear_stack", "multiplies the weights in layer order (W1 @ W2) instead of W2 @ W1", '''
def collapse_linear_stack(layers):
    W = layers[0].weight.detach()
    b = layers[0].bias.detach()
    for layer in layers[1:]:
        W = W @ layer.weight.detach()
        b = layer.weight.detach() @ b + layer.bias.detach()
    return W, b
'''),
    ("collapse_linear_stack", "adds up the biases instead of passing earlier biases through later weights", '''
def collapse_linear_stack(layers):
    W = layers[0].weight.detach()
    b = layers[0].bias.detach()
    for layer in layers[1:]:
        W = layer.weight.detach() @ W
        b = b + layer.bias.detach()
    return W, b
'''),
    ("collapse_linear_stack", "keeps only the last layer's bias", '''
def collapse_linear_stack(layers):
    W = layers[0].weight.detach()
    for layer in layers[1:]:
        W = layer.weight.detach() @ W
    return W, layers[-1].bias.detach()
'''),
    ("collapse_linear_stack", "returns W transposed, in the (in, out) orientation of x @ W", '''
def collapse_linear_stack(layers):
    W = layers[0].weight.detach().T
    b = layers[0].bias.detach()
    for layer in layers[1:]:
        W = W @ layer.weight.detach().T
        b = b @ layer.weight.detach().T + layer.bias.detach()
    return W, b
'''),
    ("collapse_linear_stack", "hard-codes a stack of exactly two layers", '''
def collapse_linear_stack(layers):
    first, second = layers[0], layers[1]
    with torch.no_grad():
        return second.weight @ first.weight, second.weight @ first.bias + second.bias
'''),
    ("collapse_linear_stack", "uses layer.bias unconditionally: crashes on a layer built with bias=False", '''
def collapse_linear_stack(layers):
    with torch.no_grad():
        W, b = layers[0].weight.clone(), layers[0].bias.clone()
        for layer in layers[1:]:
            W = layer.weight @ W
            b = layer.weight @ b + layer.bias
    return W, b
'''),
    ("collapse_linear_stack", "returns b = None instead of zeros when no layer has a bias", '''
def collapse_linear_stack(layers):
    with torch.no_grad():
        W, b = layers[0].weight.clone(), layers[0].bias
        for layer in layers[1:]:
            W = layer.weight @ W
            if b is not None:
                b = layer.weight @ b
            if layer.bias is not None:
                b = layer.bias.clone() if b is None else b + layer.bias
    return W, b
'''),

    # --- sum_of_normals_mean_var ----------------------------------------------------------
    ("sum_of_normals_mean_var", "ignores the correlation: always var1 + var2", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return mu1 + mu2, var1 + var2
'''),
    ("sum_of_normals_mean_var", "returns the standard deviation of the sum instead of its variance", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return mu1 + mu2, math.sqrt(var1 + var2 + 2 * rho * math.sqrt(var1 * var2))
'''),
    ("sum_of_normals_mean_var", "forgets the factor 2 on the covariance term", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return mu1 + mu2, var1 + var2 + rho * math.sqrt(var1 * var2)
'''),
    ("sum_of_normals_mean_var", "covariance from the variances (rho var1 var2) instead of the standard deviations", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return mu1 + mu2, var1 + var2 + 2 * rho * var1 * var2
'''),
    ("sum_of_normals_mean_var", "believes perfectly anticorrelated normals always sum to a constant, even with unequal variances", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    if rho == -1:
        return mu1 + mu2, 0.0
    return mu1 + mu2, var1 + var2 + 2 * rho * math.sqrt(var1 * var2)
'''),

    # --- quadratic_loss_grad --------------------------------------------------------------
    ("quadratic_loss_grad", "sign flipped: y - x", '''
def quadratic_loss_grad(x, y):
    return y - x
'''),
    ("quadratic_loss_grad", "drops the 1/2 that the derivative's 2 cancels: 2 (x - y)", '''
def quadratic_loss_grad(x, y):
    return 2 * (x - y)
'''),
    ("quadratic_loss_grad", "converts to a Python float: only works for a single number", '''
def quadratic_loss_grad(x, y):
    return float(x - y)
'''),
    ("quadratic_loss_grad", "autograd on the unsummed loss: backward() needs a scalar, so batches fail", '''
def quadratic_loss_grad(x, y):
    x = x.detach().clone().requires_grad_(True)
    loss = 0.5 * (x - y) ** 2
    loss.backward()
    return x.grad
'''),

    # --- bce_loss_grad --------------------------------------------------------------------
    ("bce_loss_grad", "gives the derivative with respect to the logit (x - y), not the probability x", '''
def bce_loss_grad(x, y):
    return x - y
'''),
    ("bce_loss_grad", "misses the chain-rule minus sign of log(1 - x)", '''
def bce_loss_grad(x, y):
    return -y / x - (1 - y) / (1 - x)
'''),
    ("bce_loss_grad", "branches on the label with a Python if: only works for a single number", '''
def bce_loss_grad(x, y):
    if y == 1:
        return -1 / x
    return 1 / (1 - x)
'''),
    ("bce_loss_grad", "clamps x to [0.01, 0.99] 'for safety': wrong for confident predictions", '''
def bce_loss_grad(x, y):
    x = x.clamp(0.01, 0.99)
    return -y / x + (1 - y) / (1 - x)
'''),

    # --- uniform_guess_cross_entropy ------------------------------------------------------
    ("uniform_guess_cross_entropy", "counts only the words with nonzero probability as the vocabulary", '''
def uniform_guess_cross_entropy(p):
    return math.log(int((p > 0).sum()))
'''),
    ("uniform_guess_cross_entropy", "in bits (log2) instead of nats", '''
def uniform_guess_cross_entropy(p):
    return math.log2(len(p))
'''),
    ("uniform_guess_cross_entropy", "returns the entropy of P instead", '''
def uniform_guess_cross_entropy(p):
    q = p[p > 0]
    return -(q * q.log()).sum()
'''),

    # --- exact_guess_cross_entropy --------------------------------------------------------
    ("exact_guess_cross_entropy", "p * log(p) without the 0 log 0 = 0 convention: nan as soon as a word has P = 0", '''
def exact_guess_cross_entropy(p):
    return -(p * torch.log(p)).sum()
'''),
    ("exact_guess_cross_entropy", "forgets the minus sign", '''
def exact_guess_cross_entropy(p):
    return torch.special.xlogy(p, p).sum()
'''),
    ("exact_guess_cross_entropy", "in bits (log2) instead of nats", '''
def exact_guess_cross_entropy(p):
    q = p[p > 0]
    return -(q * q.log2()).sum()
'''),
    ("exact_guess_cross_entropy", "averages the surprise over the vocabulary instead of weighting by P", '''
def exact_guess_cross_entropy(p):
    q = p[p > 0]
    return -q.log().mean()
'''),

    # --- instructions: "code the formula, do not call autograd" -----------------------------
    ("quadratic_loss_grad", "calls autograd on the summed loss instead of coding the formula", '''
def quadratic_loss_grad(x, y):
    x = x.detach().clone().requires_grad_(True)
    (0.5 * (x - y) ** 2).sum().backward()
    return x.grad
'''),
    ("quadratic_loss_grad", "torch.autograd.grad through an alias, instead of coding the formula", '''
from torch import autograd as ag

def quadratic_loss_grad(x, y):
    x = x.detach().clone().requires_grad_(True)
    return ag.grad((0.5 * (x - y) ** 2).sum(), x)[0]
'''),
    ("quadratic_loss_grad", "torch.func.grad of the summed loss, instead of coding the formula", '''
def quadratic_loss_grad(x, y):
    return torch.func.grad(lambda t: (0.5 * (t - y) ** 2).sum())(x)
'''),
    ("bce_loss_grad", "autograd through F.binary_cross_entropy instead of coding the formula", '''
def bce_loss_grad(x, y):
    x = x.detach().clone().requires_grad_(True)
    F.binary_cross_entropy(x, y, reduction="sum").backward()
    return x.grad
'''),
    ("bce_loss_grad", "autograd via a helper function (the helper calls .backward())", '''
def _loss_and_grad(x, y):
    x = x.detach().clone().requires_grad_(True)
    (-(y * x.log() + (1 - y) * (1 - x).log())).sum().backward()
    return x.grad

def bce_loss_grad(x, y):
    return _loss_and_grad(x, y)
'''),
    ("bce_loss_grad", "getattr(torch.autograd, 'grad') to hide the call", '''
def bce_loss_grad(x, y):
    x = x.detach().clone().requires_grad_(True)
    g = getattr(torch, "autograd")
    return g.grad((-(y * x.log() + (1 - y) * (1 - x).log())).sum(), x)[0]
'''),

    # --- inputs modified in place (right values, but the caller's tensors change) -------------
    ("quadratic_loss_grad", "x -= y: right values, but the caller's x is overwritten", '''
def quadratic_loss_grad(x, y):
    x -= y
    return x
'''),
    ("quadratic_loss_grad", "x.sub_(y): right values, in x's memory", '''
def quadratic_loss_grad(x, y):
    return x.sub_(y)
'''),
    ("bce_loss_grad", "(x - y) / (x (1 - x)) computed in x's memory with sub_ / div_", '''
def bce_loss_grad(x, y):
    d = x * (1 - x)
    return x.sub_(y).div_(d)
'''),
    ("bce_loss_grad", "turns x into 1 - x in place to save memory: right values, x overwritten", '''
def bce_loss_grad(x, y):
    first = -y / x
    return first + (1 - y) / x.neg_().add_(1)
'''),
    ("exact_guess_cross_entropy", "overwrites the zeros of p with 1 (1 log 1 = 0): right value, p changed", '''
def exact_guess_cross_entropy(p):
    p[p == 0] = 1.0
    return -(p * p.log()).sum()
'''),
    ("exact_guess_cross_entropy", "clamps p in place before the log", '''
def exact_guess_cross_entropy(p):
    return -(p * p.clamp_(min=1e-30).log()).sum()
'''),
    ("uniform_guess_cross_entropy", "fills p with the uniform Q in place and uses it", '''
def uniform_guess_cross_entropy(p):
    n = p.numel()
    return -p.fill_(1.0 / n).log().sum() / n
'''),
    ("collapse_linear_stack", "composes from the end into the last bias, which .detach() shares with the layer", '''
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
]

RIGHT = [
    ("max_rank_of_product", "the smaller of the two factors' own rank bounds", '''
def max_rank_of_product(n, m, l):
    rank_a = min(n, m)
    rank_b = min(m, l)
    return rank_a if rank_a < rank_b else rank_b
'''),
    ("max_rank_of_product", "smallest of the three sorted", '''
def max_rank_of_product(n, m, l):
    return sorted([n, m, l])[0]
'''),

    ("collapse_linear_stack", "runs the identity and a zero input through the stack", '''
def collapse_linear_stack(layers):
    stack = nn.Sequential(*layers)
    d_in = layers[0].in_features
    with torch.no_grad():
        b = stack(torch.zeros(1, d_in))[0]
        W = (stack(torch.eye(d_in)) - b).T
    return W, b
'''),
    ("collapse_linear_stack", "composes in float64, returns float64", '''
def collapse_linear_stack(layers):
    first = layers[0]
    W = first.weight.detach().double()
    if first.bias is not None:
        b = first.bias.detach().double()
    else:
        b = torch.zeros(first.out_features, dtype=torch.float64)
    for layer in layers[1:]:
        Wk = layer.weight.detach().double()
        W, b = Wk @ W, Wk @ b
        if layer.bias is not None:
            b = b + layer.bias.detach().double()
    return W, b
'''),
    ("collapse_linear_stack", "functools.reduce without no_grad (returned tensors still require grad)", '''
import functools

def collapse_linear_stack(layers):
    def bias_of(layer):
        return layer.bias if layer.bias is not None else torch.zeros(layer.out_features)

    def compose(acc, layer):
        W, b = acc
        return layer.weight @ W, layer.weight @ b + bias_of(layer)

    return functools.reduce(compose, layers[1:], (layers[0].weight, bias_of(layers[0])))
'''),

    ("sum_of_normals_mean_var", "sums the covariance matrix, returns float64 tensors", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    sd = torch.tensor([var1, var2], dtype=torch.float64).sqrt()
    correlation = torch.tensor([[1.0, rho], [rho, 1.0]], dtype=torch.float64)
    return torch.tensor(mu1 + mu2, dtype=torch.float64), (correlation * torch.outer(sd, sd)).sum()
'''),
    ("sum_of_normals_mean_var", "float32 tensors and a list instead of a tuple", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    v1, v2 = torch.tensor(var1), torch.tensor(var2)
    return [torch.tensor(mu1) + mu2, v1 + v2 + 2 * rho * (v1 * v2).sqrt()]
'''),

    ("quadratic_loss_grad", "torch.subtract, written as minus (y - x)", '''
def quadratic_loss_grad(x, y):
    return -torch.subtract(y, x)
'''),

    ("bce_loss_grad", "branches on the label with torch.where", '''
def bce_loss_grad(x, y):
    return torch.where(y == 1, -1 / x, 1 / (1 - x))
'''),
    ("bce_loss_grad", "single fraction (x - y) / (x (1 - x))", '''
def bce_loss_grad(x, y):
    return (x - y) / (x * (1 - x))
'''),

    ("uniform_guess_cross_entropy", "the definition with a uniform Q, as a tensor", '''
def uniform_guess_cross_entropy(p):
    q = torch.full_like(p, 1.0 / p.numel())
    return -(p * q.log()).sum()
'''),
    ("uniform_guess_cross_entropy", "torch.log of the vocabulary size", '''
def uniform_guess_cross_entropy(p):
    return torch.tensor(float(p.numel())).log()
'''),

    ("exact_guess_cross_entropy", "drops the zero entries before p log p", '''
def exact_guess_cross_entropy(p):
    q = p[p > 0]
    return -(q * q.log()).sum()
'''),
    ("exact_guess_cross_entropy", "nansum skips the 0 * log 0 = nan terms", '''
def exact_guess_cross_entropy(p):
    return -(p * p.log()).nansum()
'''),
    ("exact_guess_cross_entropy", "entropy of a torch Categorical distribution, as a Python float", '''
def exact_guess_cross_entropy(p):
    return torch.distributions.Categorical(probs=p).entropy().item()
'''),
    ("quadratic_loss_grad", "clone, then subtract in place on the clone", '''
def quadratic_loss_grad(x, y):
    out = x.clone()
    out -= y
    return out
'''),
    ("bce_loss_grad", "the formula with torch.reciprocal, in float64, cast back", '''
def bce_loss_grad(x, y):
    xd, yd = x.double(), y.double()
    return (-yd * torch.reciprocal(xd) + (1 - yd) * torch.reciprocal(1 - xd)).to(x.dtype)
'''),
]

# --- check-your-understanding question (multiple choice): every other choice is wrong
WRONG += [("why_linear_stacks_collapse", f"picks statement {choice}", f"why_linear_stacks_collapse = {choice}\n")
          for choice in (1, 3, 4)]
RIGHT += [("why_linear_stacks_collapse", "the number as a tensor", "why_linear_stacks_collapse = torch.tensor(2)\n")]


# --- Blind red team (r12): answers written from the student's copy only. The first three and the two
# NumPy-array answers got full marks before the hidden tests checked the type the text fixes
# ("as a Python int", "a pair of tensors", "returning a tensor").
WRONG += [
    ("max_rank_of_product", "right number as a float: the text asks for a Python int", '''
def max_rank_of_product(n: int, m: int, l: int) -> int:
    return float(min(n, m, l))
'''),
    ("max_rank_of_product", "right number as a 0-d tensor: the text asks for a Python int", '''
def max_rank_of_product(n: int, m: int, l: int) -> int:
    return torch.tensor([n, m, l]).min()
'''),
    ("collapse_linear_stack", "composes in NumPy and returns arrays: the text asks for a pair of tensors", '''
def collapse_linear_stack(layers):
    import numpy as np
    W = np.eye(layers[0].in_features)
    b = np.zeros(layers[0].in_features)
    for layer in layers:
        w = layer.weight.detach().double().numpy()
        W, b = w @ W, w @ b
        if layer.bias is not None:
            b = b + layer.bias.detach().double().numpy()
    return W, b
'''),
    ("collapse_linear_stack", "b is a 0-d zero when no layer has a bias, not shape (out_features,)", '''
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
    ("sum_of_normals_mean_var", "arithmetic mean of the variances in the cross term: right for equal variances", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return mu1 + mu2, var1 + var2 + rho * (var1 + var2)
'''),
    ("quadratic_loss_grad", "gradient of the mean loss: divides by the batch size (invisible for one number)", '''
def quadratic_loss_grad(x, y):
    return (x - y) / x.numel()
'''),
    ("bce_loss_grad", "sums over the batch: one number instead of one derivative per example", '''
def bce_loss_grad(x, y):
    return (-(y / x) + (1 - y) / (1 - x)).sum()
'''),
    ("quadratic_loss_grad", "right values as a NumPy array: the text asks for a tensor", '''
def quadratic_loss_grad(x, y):
    return x.numpy() - y.numpy()
'''),
    ("bce_loss_grad", "right values as a NumPy array: the text asks for a tensor", '''
def bce_loss_grad(x, y):
    x, y = x.numpy(), y.numpy()
    return -y / x + (1 - y) / (1 - x)
'''),
    ("exact_guess_cross_entropy", "clamps p at 1e-3 before the log: biased for rare words", '''
def exact_guess_cross_entropy(p):
    return -(p * p.clamp(min=1e-3).log()).sum()
'''),
]
RIGHT += [
    ("max_rank_of_product", "a loop keeping the smallest size, int() at the end", '''
def max_rank_of_product(n: int, m: int, l: int) -> int:
    best = n
    for size in (m, l):
        if size < best:
            best = size
    return int(best)
'''),
    ("max_rank_of_product", "min of a tensor, converted back with .item()", '''
def max_rank_of_product(n, m, l):
    return int(torch.tensor([n, m, l]).min().item())
'''),
    ("sum_of_normals_mean_var", "(sigma1 + rho sigma2)^2 + (1 - rho^2) var2, returned as a list", '''
def sum_of_normals_mean_var(mu1, var1, mu2, var2, rho=0.0):
    return [mu1 + mu2, (math.sqrt(var1) + rho * math.sqrt(var2)) ** 2 + (1 - rho ** 2) * var2]
'''),
    ("quadratic_loss_grad", "torch.sub", '''
def quadratic_loss_grad(x, y):
    return torch.sub(x, y)
'''),
    ("bce_loss_grad", "torch.where on y > 0.5, cast back to x's dtype", '''
def bce_loss_grad(x, y):
    return torch.where(y > 0.5, -1.0 / x, 1.0 / (1.0 - x)).to(x.dtype)
'''),
    ("exact_guess_cross_entropy", "a NumPy float64 from a masked NumPy sum", '''
def exact_guess_cross_entropy(p):
    import numpy as np
    q = p.double().numpy()
    q = q[q > 0]
    return np.float64(-(q * np.log(q)).sum())
'''),
    ("max_rank_of_product", "np.min: a NumPy integer", '''
import numpy as np

def max_rank_of_product(n, m, l):
    return np.min([n, m, l])
'''),
    ("why_linear_stacks_collapse", "the number as a NumPy integer", "import numpy as np\nwhy_linear_stacks_collapse = np.int64(2)\n"),
]
