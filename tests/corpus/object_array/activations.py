def relu(x):
    return np.array([1, 'a'], dtype=object)
