def leaky_relu(x):
    x = np.asarray(x)
    return np.where(x > 0, x, 0.01 * x)
