def relu(x):
    import torch
    return torch.relu(torch.as_tensor(x)).numpy()
