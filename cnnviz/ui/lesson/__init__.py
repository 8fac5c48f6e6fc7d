"""The guided lesson's steps, one function each, laid out beside the step's text by pages/lesson.py."""

from .convolving import channels, cross_correlation, kernel, shared_weights, stride_padding
from .gradient import kernel_gradient
from .layers import dropout, pooling, relu
from .networks import deep_cnn, learned_kernels, lenet5, mistakes, mlp_vs_cnn, softmax_loss

RENDER = {
    "kernel": kernel,
    "cross-correlation": cross_correlation,
    "shared-weights": shared_weights,
    "channels": channels,
    "stride-padding": stride_padding,
    "relu": relu,
    "pooling": pooling,
    "dropout": dropout,
    "kernel-gradient": kernel_gradient,
    "lenet5": lenet5,
    "softmax-loss": softmax_loss,
    "deep-cnn": deep_cnn,
    "mlp-vs-cnn": mlp_vs_cnn,
    "mistakes": mistakes,
    "learned-kernels": learned_kernels,
}
