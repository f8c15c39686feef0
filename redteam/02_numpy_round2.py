WRONG = [
    ("relu", "PyTorch, which the notebook rules out", '''
def relu(x):
    import torch
    return torch.relu(torch.from_numpy(x)).numpy()
'''),
    ("softmax", "PyTorch, which the notebook rules out", '''
import torch
def softmax(x, axis=None):
    t = torch.from_numpy(x).double()
    out = torch.softmax(t.flatten(), 0).reshape(t.shape) if axis is None else torch.softmax(t, axis)
    return out.numpy()
'''),
    ("layernorm", "PyTorch's layer_norm, which the notebook rules out", '''
def layernorm(x):
    import torch
    t = torch.from_numpy(np.ascontiguousarray(x))
    return torch.nn.functional.layer_norm(t, (x.shape[-1],), eps=1e-8).numpy()
'''),
    ("sigmoid", "scipy's expit", '''
def sigmoid(x):
    from scipy.special import expit
    return expit(x)
'''),
]
RIGHT = []
