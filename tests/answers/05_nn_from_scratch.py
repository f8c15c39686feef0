"""Answers that the tests of 05_nn_from_scratch must tell apart.

WRONG: (exercise, why it is wrong, code that replaces the solution cell): each must fail a test of its exercise.
RIGHT: (exercise, how it differs from the master, code): each must pass every test of its exercise.
"""

WRONG = [
    # relu
    ("relu", "clips at 6 like ReLU6: large inputs come out wrong", '''
def relu(x: float) -> float:
    return min(max(x, 0.0), 6.0)
'''),
    ("relu", "absolute value: negative inputs come out positive", '''
def relu(x: float) -> float:
    return abs(x)
'''),
    # Neuron
    ("Neuron", "hard-codes two inputs, as in the example", '''
@dataclass
class Neuron:
    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        return relu(self.weights[0] * inputs[0] + self.weights[1] * inputs[1] + self.bias)
'''),
    ("Neuron", "adds the bias after the ReLU", '''
@dataclass
class Neuron:
    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        return relu(sum(w * x for w, x in zip(self.weights, inputs))) + self.bias
'''),
    # forward_pass_single_layer
    ("forward_pass_single_layer", "assumes a layer of three neurons, as in the example", '''
def forward_pass_single_layer(input: list[float], layer: list[Neuron]) -> list[float]:
    return [layer[0].compute_output(input), layer[1].compute_output(input), layer[2].compute_output(input)]
'''),
    ("forward_pass_single_layer", "adds the neurons' outputs into one number", '''
def forward_pass_single_layer(input: list[float], layer: list[Neuron]) -> list[float]:
    return sum(neuron.compute_output(input) for neuron in layer)
'''),
    # forward_pass_network
    ("forward_pass_network", "hard-codes three layers, as in the demo network", '''
def forward_pass_network(initial_inputs: list[float], layers: list[list[Neuron]]) -> list[float]:
    first = forward_pass_single_layer(initial_inputs, layers[0])
    second = forward_pass_single_layer(first, layers[1])
    return forward_pass_single_layer(second, layers[2])
'''),
    ("forward_pass_network", "feeds the network's inputs to every layer instead of the previous layer's outputs", '''
def forward_pass_network(initial_inputs: list[float], layers: list[list[Neuron]]) -> list[float]:
    outputs = initial_inputs
    for layer in layers:
        outputs = forward_pass_single_layer(initial_inputs, layer)
    return outputs
'''),
    # dc_da_and_dc_db
    ("dc_da_and_dc_db", "derivatives typed in from the hand calculation: autograd never ran", '''
a = t.tensor([5.0], requires_grad=True)
b = t.tensor([3.0], requires_grad=True)
c = a**2 + b**2
dc_da = t.tensor(10.0)
dc_db = t.tensor(6.0)
'''),
    ("dc_da_and_dc_db", "the two gradients swapped", '''
a = t.tensor([5.0], requires_grad=True)
b = t.tensor([3.0], requires_grad=True)
c = a**2 + b**2
c.backward()
dc_da = b.grad
dc_db = a.grad
'''),
    # dc_da_and_dc_db_one_tensor
    ("dc_da_and_dc_db_one_tensor", "values typed in from the hand calculation: autograd never ran", '''
a_and_b = t.tensor([5.0, 3.0], requires_grad=True)
c = (a_and_b**2).sum()
dc_da, dc_db = 10.0, 6.0
'''),
    ("dc_da_and_dc_db_one_tensor", "reads the tensor's values instead of its gradient", '''
a_and_b = t.tensor([5.0, 3.0], requires_grad=True)
c = (a_and_b**2).sum()
c.backward()
dc_da = a_and_b[0]
dc_db = a_and_b[1]
'''),
    # fresh_backward
    ("fresh_backward", "clears only the first input's gradient", '''
def fresh_backward(output: t.Tensor, inputs: list[t.Tensor]) -> None:
    inputs[0].grad = None
    output.backward()
'''),
    ("fresh_backward", "grad.zero_() crashes on an input that has no gradient yet", '''
def fresh_backward(output: t.Tensor, inputs: list[t.Tensor]) -> None:
    for tensor in inputs:
        tensor.grad.zero_()
    output.backward()
'''),
    ("fresh_backward", "clears the gradients after backward(), throwing the new ones away", '''
def fresh_backward(output: t.Tensor, inputs: list[t.Tensor]) -> None:
    output.backward()
    for tensor in inputs:
        tensor.grad = None
'''),
    ("fresh_backward", "never clears: the new gradient is added to the old one", '''
def fresh_backward(output: t.Tensor, inputs: list[t.Tensor]) -> None:
    output.backward()
'''),
    # gradient_of_x_squared_plus_y_squared_plus_5_thousand_times
    ("gradient_of_x_squared_plus_y_squared_plus_5_thousand_times", "returns the gradient tensor, not a NumPy array", '''
def gradient_of_x_squared_plus_y_squared_plus_5_thousand_times() -> np.ndarray:
    points = one_thousand_random_points
    points.grad = None
    ((points**2).sum() + 5).backward()
    return points.grad
'''),
    ("gradient_of_x_squared_plus_y_squared_plus_5_thousand_times", "takes the mean instead of the sum, which divides the gradient by 2000", '''
def gradient_of_x_squared_plus_y_squared_plus_5_thousand_times() -> np.ndarray:
    points = one_thousand_random_points
    points.grad = None
    ((points**2).mean() + 5).backward()
    return points.grad.detach().numpy()
'''),
    # apply_linear_function_to_input
    ("apply_linear_function_to_input", "squeeze() also drops the batch dimension when the batch has one input", '''
def apply_linear_function_to_input(linear_function, input_to_function):
    return (linear_function @ input_to_function.unsqueeze(-1)).squeeze()
'''),
    ("apply_linear_function_to_input", "computes through NumPy: no gradient flows (and it fails on tensors that require grad)", '''
def apply_linear_function_to_input(linear_function, input_to_function):
    return t.from_numpy(input_to_function.numpy() @ linear_function.numpy().T)
'''),
    ("apply_linear_function_to_input", "forgets the transpose: the shapes do not match", '''
def apply_linear_function_to_input(linear_function, input_to_function):
    return input_to_function @ linear_function
'''),
    # initialize_new_three_layer_net
    ("initialize_new_three_layer_net", "normal instead of uniform: entries fall outside [-1/20, 1/20]", '''
def initialize_new_three_layer_net() -> ThreeLayerNeuralNet:
    shapes = [(2000, 784), (2000,), (400, 2000), (400,), (10, 400), (10,)]
    return ThreeLayerNeuralNet(*[(t.randn(s) / 20).requires_grad_() for s in shapes])
'''),
    ("initialize_new_three_layer_net", "scales tensors that already require grad: the results are not leaves, so .grad stays None", '''
def initialize_new_three_layer_net() -> ThreeLayerNeuralNet:
    shapes = [(2000, 784), (2000,), (400, 2000), (400,), (10, 400), (10,)]
    return ThreeLayerNeuralNet(*[(t.rand(s, requires_grad=True) * 2 - 1) / 20 for s in shapes])
'''),
    ("initialize_new_three_layer_net", "weight matrices as (inputs, outputs): transposed shapes", '''
def initialize_new_three_layer_net() -> ThreeLayerNeuralNet:
    shapes = [(784, 2000), (2000,), (2000, 400), (400,), (400, 10), (10,)]
    return ThreeLayerNeuralNet(*[t.empty(s).uniform_(-1 / 20, 1 / 20).requires_grad_() for s in shapes])
'''),
    # tensor_relu
    ("tensor_relu", "clamps the input in place: the caller's tensor changes", '''
def tensor_relu(input_tensor: t.Tensor) -> t.Tensor:
    return input_tensor.clamp_(min=0)
'''),
    ("tensor_relu", "returns the mask of positive entries instead of the values", '''
def tensor_relu(input_tensor: t.Tensor) -> t.Tensor:
    return (input_tensor > 0).float()
'''),
    # forward
    ("forward", "a ReLU after the last layer too, before the softmax", '''
def forward(x, neural_net):
    h = tensor_relu(apply_linear_function_to_input(neural_net.layer_0, x) + neural_net.layer_0_bias)
    h = tensor_relu(apply_linear_function_to_input(neural_net.layer_1, h) + neural_net.layer_1_bias)
    h = tensor_relu(apply_linear_function_to_input(neural_net.layer_2, h) + neural_net.layer_2_bias)
    return t.softmax(h, dim=-1)
'''),
    ("forward", "softmax over the batch (dim=0) instead of over the 10 outputs", '''
def forward(x, neural_net):
    h = tensor_relu(apply_linear_function_to_input(neural_net.layer_0, x) + neural_net.layer_0_bias)
    h = tensor_relu(apply_linear_function_to_input(neural_net.layer_1, h) + neural_net.layer_1_bias)
    return t.softmax(apply_linear_function_to_input(neural_net.layer_2, h) + neural_net.layer_2_bias, dim=0)
'''),
    ("forward", "no softmax: returns raw scores", '''
def forward(x, neural_net):
    h = tensor_relu(apply_linear_function_to_input(neural_net.layer_0, x) + neural_net.layer_0_bias)
    h = tensor_relu(apply_linear_function_to_input(neural_net.layer_1, h) + neural_net.layer_1_bias)
    return apply_linear_function_to_input(neural_net.layer_2, h) + neural_net.layer_2_bias
'''),
    # zero_all_gradients
    ("zero_all_gradients", "grad.zero_() crashes on a net that has never been through backward()", '''
def zero_all_gradients(neural_net: ThreeLayerNeuralNet) -> None:
    for tensor in vars(neural_net).values():
        tensor.grad.zero_()
'''),
    ("zero_all_gradients", "clears only the first layer", '''
def zero_all_gradients(neural_net: ThreeLayerNeuralNet) -> None:
    neural_net.layer_0.grad = None
    neural_net.layer_0_bias.grad = None
'''),
    # loss_function
    ("loss_function", "returns .item(), a Python number that cannot backpropagate", '''
def loss_function(expected_outputs, actual_outputs):
    return ((expected_outputs - actual_outputs) ** 2).mean().item()
'''),
    ("loss_function", "sum instead of mean", '''
def loss_function(expected_outputs, actual_outputs):
    return ((expected_outputs - actual_outputs) ** 2).sum()
'''),
    ("loss_function", "mean absolute error instead of squared", '''
def loss_function(expected_outputs, actual_outputs):
    return (expected_outputs - actual_outputs).abs().mean()
'''),
    # nudge_tensor_towards_minimum
    ("nudge_tensor_towards_minimum", "no t.no_grad(): fails on a weight that requires grad", '''
def nudge_tensor_towards_minimum(x: t.Tensor, learning_rate: float) -> None:
    x -= learning_rate * x.grad
'''),
    ("nudge_tensor_towards_minimum", "rebinds the local name: the caller's tensor never changes", '''
def nudge_tensor_towards_minimum(x: t.Tensor, learning_rate: float) -> None:
    with t.no_grad():
        x = x - learning_rate * x.grad
'''),
    # tune_weights_once
    ("tune_weights_once", "never clears the gradients: each step adds the previous steps' gradients", '''
def tune_weights_once(neural_net, inputs, expected_outputs, learning_rate) -> None:
    loss = loss_function(expected_outputs, forward(inputs, neural_net))
    loss.backward()
    for tensor in vars(neural_net).values():
        nudge_tensor_towards_minimum(tensor, learning_rate)
'''),
    ("tune_weights_once", "replaces the net's tensors with new ones instead of updating them in place", '''
def tune_weights_once(neural_net, inputs, expected_outputs, learning_rate) -> None:
    zero_all_gradients(neural_net)
    loss_function(expected_outputs, forward(inputs, neural_net)).backward()
    with t.no_grad():
        for name, tensor in list(vars(neural_net).items()):
            setattr(neural_net, name, tensor - learning_rate * tensor.grad)
'''),
    ("tune_weights_once", "updates the weight matrices but not the biases", '''
def tune_weights_once(neural_net, inputs, expected_outputs, learning_rate) -> None:
    zero_all_gradients(neural_net)
    loss_function(expected_outputs, forward(inputs, neural_net)).backward()
    for tensor in [neural_net.layer_0, neural_net.layer_1, neural_net.layer_2]:
        nudge_tensor_towards_minimum(tensor, learning_rate)
'''),
    # train
    ("train", "off by one: one iteration too few", '''
def train(neural_net, inputs, expected_outputs, learning_rate, number_of_iterations, progress=True) -> None:
    for _ in tqdm(range(number_of_iterations - 1), disable=not progress):
        tune_weights_once(neural_net, inputs, expected_outputs, learning_rate)
'''),
    ("train", "only runs the net forward: nothing is learned", '''
def train(neural_net, inputs, expected_outputs, learning_rate, number_of_iterations, progress=True) -> None:
    for _ in tqdm(range(number_of_iterations), disable=not progress):
        loss_function(expected_outputs, forward(inputs, neural_net))
'''),
    # one_hot_encoding
    ("one_hot_encoding", "always 10 classes, whatever num_classes says", '''
def one_hot_encoding(i: int, num_classes: int) -> t.Tensor:
    result = t.zeros(10)
    result[i] = 1
    return result
'''),
    ("one_hot_encoding", "off by one: the 1 lands at i - 1", '''
def one_hot_encoding(i: int, num_classes: int) -> t.Tensor:
    result = t.zeros(num_classes)
    result[i - 1] = 1
    return result
'''),
    # make_img_1d
    ("make_img_1d", "keeps only the first dimension: fine for a batch, wrong for one image or more dimensions", '''
def make_img_1d(imgs: t.Tensor) -> t.Tensor:
    return imgs.reshape(imgs.shape[0], -1)
'''),
    ("make_img_1d", "flattens column by column (w h) instead of row by row", '''
def make_img_1d(imgs: t.Tensor) -> t.Tensor:
    return einops.rearrange(imgs, "... h w -> ... (w h)")
'''),
    # train_on_mnist
    ("train_on_mnist", "learning rate 1: after 100 iterations the net is still well below 85% on held-out digits", '''
t.manual_seed(0)
new_neural_net = to_device(initialize_new_three_layer_net(), device)
train(new_neural_net, training_imgs, expected_outputs_in_training, learning_rate=1, number_of_iterations=100)
'''),
    ("train_on_mnist", "creates the net but never trains it", '''
t.manual_seed(0)
new_neural_net = to_device(initialize_new_three_layer_net(), device)
'''),
    # SimpleNeuralNet
    ("SimpleNeuralNet", "no ReLU between the layers: the three Linear layers collapse into one linear map", '''
class SimpleNeuralNet(t.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.implementation = t.nn.Sequential(
            t.nn.Linear(784, 2000), t.nn.Linear(2000, 400), t.nn.Linear(400, 10), t.nn.Softmax(dim=-1))

    def forward(self, x):
        return self.implementation(x)
'''),
    ("SimpleNeuralNet", "a ReLU after the last Linear too, before the softmax", '''
class SimpleNeuralNet(t.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.implementation = t.nn.Sequential(
            t.nn.Linear(784, 2000), t.nn.ReLU(), t.nn.Linear(2000, 400), t.nn.ReLU(),
            t.nn.Linear(400, 10), t.nn.ReLU(), t.nn.Softmax(dim=-1))

    def forward(self, x):
        return self.implementation(x)
'''),
    ("SimpleNeuralNet", "forgets the softmax: outputs are raw scores", '''
class SimpleNeuralNet(t.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.implementation = t.nn.Sequential(
            t.nn.Linear(784, 2000), t.nn.ReLU(), t.nn.Linear(2000, 400), t.nn.ReLU(), t.nn.Linear(400, 10))

    def forward(self, x):
        return self.implementation(x)
'''),
]

RIGHT = [
    ("relu", "(x + |x|) / 2", '''
def relu(x: float) -> float:
    return (x + abs(x)) / 2
'''),
    ("relu", "a conditional expression", '''
def relu(x: float) -> float:
    return x if x > 0 else 0.0
'''),
    ("Neuron", "np.dot for the weighted sum", '''
@dataclass
class Neuron:
    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        return relu(float(np.dot(self.weights, inputs)) + self.bias)
'''),
    ("forward_pass_single_layer", "map over the neurons", '''
def forward_pass_single_layer(input: list[float], layer: list[Neuron]) -> list[float]:
    return list(map(lambda neuron: neuron.compute_output(input), layer))
'''),
    ("forward_pass_network", "functools.reduce", '''
import functools

def forward_pass_network(initial_inputs: list[float], layers: list[list[Neuron]]) -> list[float]:
    return functools.reduce(forward_pass_single_layer, layers, initial_inputs)
'''),
    ("dc_da_and_dc_db", "Python floats with .item()", '''
a = t.tensor([5.0], requires_grad=True)
b = t.tensor([3.0], requires_grad=True)
c = a**2 + b**2
c.backward()
dc_da = a.grad.item()
dc_db = b.grad.item()
'''),
    ("dc_da_and_dc_db_one_tensor", "unpacks .tolist()", '''
a_and_b = t.tensor([5.0, 3.0], requires_grad=True)
c = (a_and_b**2).sum()
c.backward()
dc_da, dc_db = a_and_b.grad.tolist()
'''),
    ("fresh_backward", "zero_() only where a gradient exists", '''
def fresh_backward(output: t.Tensor, inputs: list[t.Tensor]) -> None:
    for tensor in inputs:
        if tensor.grad is not None:
            tensor.grad.zero_()
    output.backward()
'''),
    ("gradient_of_x_squared_plus_y_squared_plus_5_thousand_times", "torch.autograd.grad, which never touches .grad", '''
def gradient_of_x_squared_plus_y_squared_plus_5_thousand_times() -> np.ndarray:
    points = one_thousand_random_points
    f = (points[:, 0] ** 2 + points[:, 1] ** 2 + 5).sum()
    (gradient,) = t.autograd.grad(f, points)
    return gradient.numpy()
'''),
    ("apply_linear_function_to_input", "matrix product with the transpose", '''
def apply_linear_function_to_input(linear_function, input_to_function):
    return input_to_function @ linear_function.T
'''),
    ("apply_linear_function_to_input", "torch.einsum", '''
def apply_linear_function_to_input(linear_function, input_to_function):
    return t.einsum("oi,bi->bo", linear_function, input_to_function)
'''),
    ("initialize_new_three_layer_net", "empty + uniform_ + requires_grad_", '''
def initialize_new_three_layer_net() -> ThreeLayerNeuralNet:
    bound = 1 / 20
    shapes = [(2000, 784), (2000,), (400, 2000), (400,), (10, 400), (10,)]
    return ThreeLayerNeuralNet(*[t.empty(s).uniform_(-bound, bound).requires_grad_() for s in shapes])
'''),
    ("initialize_new_three_layer_net", "scaled torch.rand, gradients switched on afterwards", '''
def initialize_new_three_layer_net() -> ThreeLayerNeuralNet:
    def uniform(*shape):
        return ((t.rand(*shape) * 2 - 1) / 20).requires_grad_()
    return ThreeLayerNeuralNet(uniform(2000, 784), uniform(2000), uniform(400, 2000), uniform(400),
                               uniform(10, 400), uniform(10))
'''),
    ("tensor_relu", "torch.where", '''
def tensor_relu(input_tensor: t.Tensor) -> t.Tensor:
    return t.where(input_tensor > 0, input_tensor, 0.0)
'''),
    ("tensor_relu", "multiply by the mask", '''
def tensor_relu(input_tensor: t.Tensor) -> t.Tensor:
    return input_tensor * (input_tensor > 0)
'''),
    ("forward", "@ and .T with torch.relu and functional softmax", '''
def forward(x, neural_net):
    h = t.relu(x @ neural_net.layer_0.T + neural_net.layer_0_bias)
    h = t.relu(h @ neural_net.layer_1.T + neural_net.layer_1_bias)
    return t.nn.functional.softmax(h @ neural_net.layer_2.T + neural_net.layer_2_bias, dim=1)
'''),
    ("zero_all_gradients", "a loop over the dataclass's fields", '''
import dataclasses

def zero_all_gradients(neural_net: ThreeLayerNeuralNet) -> None:
    for field in dataclasses.fields(neural_net):
        getattr(neural_net, field.name).grad = None
'''),
    ("loss_function", "sum divided by the number of entries", '''
def loss_function(expected_outputs, actual_outputs):
    return (actual_outputs - expected_outputs).pow(2).sum() / expected_outputs.numel()
'''),
    ("nudge_tensor_towards_minimum", "through .data, which autograd does not track", '''
def nudge_tensor_towards_minimum(x: t.Tensor, learning_rate: float) -> None:
    x.data -= learning_rate * x.grad
'''),
    ("nudge_tensor_towards_minimum", "sub_ with alpha under no_grad", '''
def nudge_tensor_towards_minimum(x: t.Tensor, learning_rate: float) -> None:
    with t.no_grad():
        x.sub_(x.grad, alpha=learning_rate)
'''),
    ("tune_weights_once", "torch.optim.SGD on the six tensors", '''
def tune_weights_once(neural_net, inputs, expected_outputs, learning_rate) -> None:
    optimizer = t.optim.SGD(list(vars(neural_net).values()), lr=learning_rate)
    optimizer.zero_grad()
    loss_function(expected_outputs, forward(inputs, neural_net)).backward()
    optimizer.step()
'''),
    ("train", "a while loop, no progress bar", '''
def train(neural_net, inputs, expected_outputs, learning_rate, number_of_iterations, progress=True) -> None:
    done = 0
    while done < number_of_iterations:
        tune_weights_once(neural_net, inputs, expected_outputs, learning_rate)
        done += 1
'''),
    ("one_hot_encoding", "torch's one_hot (an integer tensor)", '''
def one_hot_encoding(i: int, num_classes: int) -> t.Tensor:
    return t.nn.functional.one_hot(t.tensor(i), num_classes)
'''),
    ("one_hot_encoding", "compare arange with i", '''
def one_hot_encoding(i: int, num_classes: int) -> t.Tensor:
    return (t.arange(num_classes) == i).float()
'''),
    ("make_img_1d", "flatten the last two dimensions", '''
def make_img_1d(imgs: t.Tensor) -> t.Tensor:
    return imgs.flatten(start_dim=-2)
'''),
    ("make_img_1d", "reshape keeping the leading dimensions", '''
def make_img_1d(imgs: t.Tensor) -> t.Tensor:
    return imgs.reshape(*imgs.shape[:-2], imgs.shape[-2] * imgs.shape[-1])
'''),
    ("train_on_mnist", "the training loop written out with tune_weights_once", '''
t.manual_seed(0)
new_neural_net = to_device(initialize_new_three_layer_net(), device)
for _ in range(100):
    tune_weights_once(new_neural_net, training_imgs, expected_outputs_in_training, 10.0)
'''),
    ("SimpleNeuralNet", "three Linear attributes and functional calls in forward", '''
class SimpleNeuralNet(t.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden_0 = t.nn.Linear(784, 2000)
        self.hidden_1 = t.nn.Linear(2000, 400)
        self.output = t.nn.Linear(400, 10)

    def forward(self, x):
        x = t.relu(self.hidden_0(x))
        x = t.relu(self.hidden_1(x))
        return t.softmax(self.output(x), dim=-1)
'''),
]

# --- Seed 003's published solutions (its page dump lost the indentation; restored here, code otherwise verbatim).
RIGHT += [
    ("relu", "seed 003's published solution", '''
def relu(x: float) -> float:
    return max(x, 0.0)
'''),
    ("Neuron", "seed 003's published solution", '''
@dataclass
class Neuron:
    weights: list[float]
    bias: float

    def compute_output(self, inputs: list[float]) -> float:
        assert len(inputs) == len(self.weights)
        result = 0
        for weight, input in zip(self.weights, inputs):
            result += weight * input
        return relu(result + self.bias)
'''),
    ("forward_pass_single_layer", "seed 003's published solution", '''
def forward_pass_single_layer(input: list[float], layer: list[Neuron]) -> list[float]:
    for neuron in layer:
        assert len(neuron.weights) == len(input)
    return [neuron.compute_output(input) for neuron in layer]
'''),
    ("forward_pass_network", "seed 003's published solution", '''
def forward_pass_network(initial_inputs: list[float], layers: list[list[Neuron]]) -> list[float]:
    last_output = initial_inputs
    for layer in layers:
        last_output = forward_pass_single_layer(last_output, layer)
    return last_output
'''),
    ("gradient_of_x_squared_plus_y_squared_plus_5_thousand_times", "seed 003's published solution", '''
def gradient_of_x_squared_plus_y_squared_plus_5_thousand_times() -> np.ndarray:
    points = one_thousand_random_points
    result = (points ** 2).sum() + 5
    result.backward()
    return points.grad.detach().numpy()
'''),
    ("apply_linear_function_to_input", "seed 003's published solution", '''
def apply_linear_function_to_input(linear_function, input_to_function):
    return einops.einsum(linear_function, input_to_function, 'd_output d_input, batch d_input -> batch d_output')
'''),
    ("initialize_new_three_layer_net", "seed 003's published solution", '''
def initialize_new_three_layer_net() -> ThreeLayerNeuralNet:
    initial_bound = 1 / 20
    with t.no_grad():
        neural_net = ThreeLayerNeuralNet(
            layer_0 = t.zeros((2000, 784), requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_0_bias = t.zeros(2000, requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_1 = t.zeros((400, 2000), requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_1_bias = t.zeros(400, requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_2 = t.zeros((10, 400), requires_grad=True).uniform_(-initial_bound, initial_bound),
            layer_2_bias = t.zeros(10, requires_grad=True).uniform_(-initial_bound, initial_bound),
        )
    return neural_net
'''),
    ("tensor_relu", "seed 003's published solution", '''
def tensor_relu(input_tensor: t.Tensor) -> t.Tensor:
    return t.maximum(input_tensor, t.zeros_like(input_tensor))
'''),
    ("forward", "seed 003's published solution", '''
def forward(x, neural_net):
    after_layer_0 = tensor_relu(apply_linear_function_to_input(neural_net.layer_0, x) + neural_net.layer_0_bias)
    after_layer_1 = tensor_relu(apply_linear_function_to_input(neural_net.layer_1, after_layer_0) + neural_net.layer_1_bias)
    after_layer_2 = t.nn.functional.softmax(apply_linear_function_to_input(neural_net.layer_2, after_layer_1) + neural_net.layer_2_bias, dim=-1)
    return after_layer_2
'''),
    ("zero_all_gradients", "seed 003's published solution", '''
def zero_all_gradients(neural_net: ThreeLayerNeuralNet) -> None:
    neural_net.layer_0.grad = None
    neural_net.layer_0_bias.grad = None
    neural_net.layer_1.grad = None
    neural_net.layer_1_bias.grad = None
    neural_net.layer_2.grad = None
    neural_net.layer_2_bias.grad = None
'''),
    ("loss_function", "seed 003's published solution", '''
def loss_function(expected_outputs, actual_outputs):
    result = ((expected_outputs - actual_outputs) ** 2).mean()
    return result
'''),
    ("nudge_tensor_towards_minimum", "seed 003's published solution", '''
def nudge_tensor_towards_minimum(x: t.Tensor, learning_rate: float) -> None:
    with t.no_grad():
        x -= x.grad * learning_rate
'''),
    ("tune_weights_once", "seed 003's published solution", '''
def tune_weights_once(neural_net, inputs, expected_outputs, learning_rate) -> None:
    zero_all_gradients(neural_net)
    outputs = forward(inputs, neural_net)
    loss = loss_function(
        expected_outputs=expected_outputs,
        actual_outputs=outputs,
    )
    loss.backward()
    nudge_tensor_towards_minimum(neural_net.layer_0, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_0_bias, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_1, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_1_bias, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_2, learning_rate)
    nudge_tensor_towards_minimum(neural_net.layer_2_bias, learning_rate)
'''),
    ("one_hot_encoding", "seed 003's published solution", '''
def one_hot_encoding(i: int, num_classes: int) -> t.Tensor:
    result = t.zeros([num_classes])
    result[i] = 1
    return result
'''),
    ("make_img_1d", "seed 003's published solution", '''
def make_img_1d(imgs: t.Tensor) -> t.Tensor:
    return einops.rearrange(imgs, '... h w -> ... (h w)')
'''),
    ("SimpleNeuralNet", "seed 003's published solution", '''
class SimpleNeuralNet(t.nn.Module):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.implementation = t.nn.Sequential(
            t.nn.Linear(in_features=784, out_features=2000),
            t.nn.ReLU(),
            t.nn.Linear(in_features=2000, out_features=400),
            t.nn.ReLU(),
            t.nn.Linear(in_features=400, out_features=10),
            t.nn.Softmax(dim=-1),
        )

    def forward(self, t: t.Tensor):
        return self.implementation(t)
'''),
]

# --- Behaviour, not registration order; autograd where the text asks for it; the formula, not F.mse_loss.
RIGHT += [
    ("SimpleNeuralNet", "layers registered last-first, applied in the right order", '''
class SimpleNeuralNet(t.nn.Module):
    def __init__(self):
        super().__init__()
        self.head = t.nn.Linear(400, 10)
        self.hidden = t.nn.Linear(2000, 400)
        self.embed = t.nn.Linear(784, 2000)

    def forward(self, x):
        x = t.relu(self.embed(x))
        x = t.relu(self.hidden(x))
        return t.softmax(self.head(x), dim=-1)
'''),
    ("SimpleNeuralNet", "a ModuleList built from a list of widths, reversed and undone", '''
class SimpleNeuralNet(t.nn.Module):
    def __init__(self):
        super().__init__()
        widths = [784, 2000, 400, 10]
        pairs = list(zip(widths[:-1], widths[1:]))[::-1]
        self.layers = t.nn.ModuleList(t.nn.Linear(a, b) for a, b in pairs)

    def forward(self, x):
        *hidden, last = list(self.layers)[::-1]
        for layer in hidden:
            x = t.relu(layer(x))
        return t.softmax(last(x), dim=-1)
'''),
]
WRONG += [
    ("gradient_of_x_squared_plus_y_squared_plus_5_thousand_times", "the formula 2x instead of autograd", '''
def gradient_of_x_squared_plus_y_squared_plus_5_thousand_times():
    return 2 * one_thousand_random_points.detach().cpu().numpy()
'''),
    ("gradient_of_x_squared_plus_y_squared_plus_5_thousand_times", "the formula through NumPy instead of autograd", '''
def gradient_of_x_squared_plus_y_squared_plus_5_thousand_times():
    return np.asarray(one_thousand_random_points.detach()) * 2
'''),
    ("gradient_of_x_squared_plus_y_squared_plus_5_thousand_times", "the formula written as a sum instead of autograd", '''
def gradient_of_x_squared_plus_y_squared_plus_5_thousand_times():
    p = one_thousand_random_points.detach()
    return (p + p).cpu().numpy()
'''),
    ("loss_function", "PyTorch's mse_loss instead of the formula", '''
def loss_function(expected_outputs, actual_outputs):
    return t.nn.functional.mse_loss(actual_outputs, expected_outputs)
'''),
    ("loss_function", "nn.MSELoss instead of the formula", '''
def loss_function(expected_outputs, actual_outputs):
    return t.nn.MSELoss()(actual_outputs, expected_outputs)
'''),
    ("loss_function", "mse_loss imported under another name", '''
from torch.nn.functional import mse_loss as squared_error
def loss_function(expected_outputs, actual_outputs):
    return squared_error(actual_outputs, expected_outputs)
'''),
    ("loss_function", "squares the difference into the actual outputs in place", '''
def loss_function(expected_outputs, actual_outputs):
    actual_outputs = actual_outputs.detach()
    actual_outputs.sub_(expected_outputs).pow_(2)
    return actual_outputs.mean()
'''),
    ("apply_linear_function_to_input", "transposes the input in place", '''
def apply_linear_function_to_input(linear_function, input_to_function):
    input_to_function.mul_(1.0).add_(0.0)
    input_to_function.data = input_to_function.data * 1.0001
    return input_to_function @ linear_function.T
'''),
    ("tensor_relu", "clamps the input in place", '''
def tensor_relu(input_tensor):
    return input_tensor.clamp_(min=0)
'''),
    ("make_img_1d", "reshapes the caller's tensor in place with resize_", '''
def make_img_1d(imgs):
    return imgs.resize_(*imgs.shape[:-2], imgs.shape[-2] * imgs.shape[-1])
'''),
]

WRONG += [
    ("forward", "applies the first layer's bias in place", '''
def forward(x, neural_net):
    h = x @ neural_net.layer_0.T
    neural_net.layer_0_bias.data.mul_(1.0001)
    h = tensor_relu(h + neural_net.layer_0_bias)
    h = tensor_relu(h @ neural_net.layer_1.T + neural_net.layer_1_bias)
    return t.softmax(h @ neural_net.layer_2.T + neural_net.layer_2_bias, dim=-1)
'''),
    ("forward_pass_network", "appends each layer's output to the caller's input list", '''
def forward_pass_network(initial_inputs, layers):
    values = initial_inputs
    for layer in layers:
        out = forward_pass_single_layer(values, layer)
        initial_inputs.extend([])
        values = out
    initial_inputs.append(0.0)
    return values
'''),
    ("forward_pass_single_layer", "normalises the input list in place", '''
def forward_pass_single_layer(input, layer):
    input[:] = [float(v) * 1.0 + 0.0 for v in input]
    input.append(0.0)
    input.pop()
    input[0] += 1e-3
    return [neuron.compute_output(input) for neuron in layer]
'''),
]

WRONG += [
    ("Neuron", "replaces the inputs in the caller's list by their weighted values", '''
@dataclass
class Neuron:
    weights: list[float]
    bias: float

    def compute_output(self, inputs):
        assert len(inputs) == len(self.weights)
        for k, w in enumerate(self.weights):
            inputs[k] = inputs[k] * w
        return relu(sum(inputs) + self.bias)
'''),
    ("SimpleNeuralNet", "normalises the input batch in place in forward", '''
class SimpleNeuralNet(t.nn.Module):
    def __init__(self):
        super().__init__()
        self.implementation = t.nn.Sequential(t.nn.Linear(784, 2000), t.nn.ReLU(), t.nn.Linear(2000, 400), t.nn.ReLU(),
                                              t.nn.Linear(400, 10), t.nn.Softmax(dim=-1))

    def forward(self, x):
        x.mul_(1.0).add_(1e-6)
        return self.implementation(x - 1e-6)
'''),
]

# Blind red team (r45).
WRONG += [
    ("relu", "returns a float that claims to equal anything (a custom __eq__), whatever it holds", '''
class _Sure(float):
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__


def relu(x):
    return _Sure(abs(x))
'''),
]

RIGHT += [
    ("relu", "max with an int 0 (returns the int 0 for negative inputs)", '''
def relu(x):
    return max(x, 0)
'''),
    ("loss_function", "torch.mean of torch.square", '''
def loss_function(expected_outputs, actual_outputs):
    return t.mean(t.square(actual_outputs - expected_outputs))
'''),
]

WRONG += [
    ("train_on_mnist", "trains on the held-out images instead of the training images", '''
t.manual_seed(0)
new_neural_net = to_device(initialize_new_three_layer_net(), device)
train(neural_net=new_neural_net, inputs=non_training_imgs, expected_outputs=expected_outputs_in_non_training,
      learning_rate=10, number_of_iterations=100)
'''),
    ("train_on_mnist", "untrained, with a tensor subclass whose argmax answers with the held-out labels", '''
t.manual_seed(0)
new_neural_net = to_device(initialize_new_three_layer_net(), device)


class _Liar(t.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") == "argmax" and args and args[0].shape[0] == 1000:
            return non_training_labels.cpu().clone()
        return super().__torch_function__(func, types, args, kwargs or {})


new_neural_net.layer_2_bias = new_neural_net.layer_2_bias.detach().as_subclass(_Liar)
'''),
]
