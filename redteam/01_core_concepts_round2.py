WRONG = [
    ("quadratic_loss_grad", "NumPy array, not a tensor", '''
def quadratic_loss_grad(x, y):
    return x.numpy() - y.numpy()
'''),
    ("bce_loss_grad", "NumPy array, not a tensor", '''
def bce_loss_grad(x, y):
    x, y = x.numpy(), y.numpy()
    return -y / x + (1 - y) / (1 - x)
'''),
    ("uniform_guess_cross_entropy", "shape (1,) tensor, not a number", '''
def uniform_guess_cross_entropy(p):
    return torch.log(torch.tensor([float(len(p))]))
'''),
    ("exact_guess_cross_entropy", "per-word terms, not summed", '''
def exact_guess_cross_entropy(p):
    return -torch.special.xlogy(p, p)
'''),
    ("collapse_linear_stack", "W in float64 but b a Python list", '''
def collapse_linear_stack(layers):
    with torch.no_grad():
        W = torch.eye(layers[0].in_features)
        b = torch.zeros(layers[0].in_features)
        for layer in layers:
            W = layer.weight @ W
            b = layer.weight @ b
            if layer.bias is not None:
                b = b + layer.bias
    return W, b.tolist()
'''),
]
RIGHT = [
    ("quadratic_loss_grad", "through NumPy, back to a tensor", '''
def quadratic_loss_grad(x, y):
    return torch.from_numpy(x.numpy() - y.numpy())
'''),
    ("bce_loss_grad", "both branches with torch.where, evaluated safely", '''
def bce_loss_grad(x, y):
    return torch.where(y > 0.5, -1.0 / x, 1.0 / (1.0 - x)).to(x.dtype)
'''),
    ("exact_guess_cross_entropy", "numpy float64 from a masked NumPy sum", '''
def exact_guess_cross_entropy(p):
    import numpy as np
    q = p.double().numpy()
    q = q[q > 0]
    return np.float64(-(q * np.log(q)).sum())
'''),
    ("max_rank_of_product", "NumPy integer", '''
import numpy as np
def max_rank_of_product(n, m, l):
    return np.min([n, m, l])
'''),
]
