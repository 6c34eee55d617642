def relu(x):
    return np.broadcast_to(np.float64(0), (10**10,))  # 80 GB, as a view
