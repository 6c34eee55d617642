def relu(x):
    while True:
        pass
