def reward(sample):
    x = 1
    return x +
