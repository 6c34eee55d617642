def relu(x):
    return (max(v, 0) for v in np.ravel(x))
