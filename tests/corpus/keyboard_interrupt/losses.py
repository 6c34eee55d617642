def cross_entropy(y_onehot, probs):
    raise KeyboardInterrupt
