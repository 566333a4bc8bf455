"""
Reference trajectories for deepts' Nadam and Lion (test/optimizers-nadam-lion.test.ts).

Both are written out in float64 from Keras 3's update rules (keras/src/optimizers/nadam.py, lion.py):

Nadam (Dozat 2016), u_t = beta_1 * (1 - 0.5 * 0.96**t), P_t = u_1 * ... * u_t:
    m += (g - m)(1 - beta_1);  v += (g^2 - v)(1 - beta_2)
    m_hat = u_{t+1} m / (1 - P_t u_{t+1}) + (1 - u_t) g / (1 - P_t);  v_hat = v / (1 - beta_2^t)
    w -= lr * m_hat / (sqrt(v_hat) + epsilon)
torch.optim.NAdam(momentum_decay=1.0, eps=1e-7) is the same rule, but the Debian torch installed here
(1.13-era _single_tensor_nadam) computes mu_product_next = mu_product * mu * mu_next, counting u_t twice
(fixed in later torch releases); the script prints that torch trajectory too, to show where it differs.
Lion (Chen et al. 2023; torch has none):
    w -= lr * sign(beta_1 * m + (1 - beta_1) * g);  m = beta_2 * m + (1 - beta_2) * g
Weight decay is Keras' decoupled decay, applied first: w -= lr * weight_decay * w.
Run: /usr/bin/python3 tools/optimizers/make-reference.py > tools/optimizers/reference.json
"""
import json
import math
import torch

torch.set_default_dtype(torch.float64)
W0 = [0.5, -1.5, 2.0, 0.0]
GRADS = [
    [0.1, -0.2, 0.3, 0.0],
    [-0.4, 0.5, 0.05, 1.0],
    [0.2, 0.2, -0.6, -0.3],
    [0.7, -0.1, 0.0, 0.25],
    [-0.05, 0.3, 0.4, -0.9],
]


def nadam(lr, beta_1, beta_2, weight_decay=0.0, eps=1e-7):
    w = list(W0)
    m = [0.0] * len(w)
    v = [0.0] * len(w)
    u = lambda t: beta_1 * (1 - 0.5 * 0.96 ** t)
    product = 1.0
    out = []
    for step, g in enumerate(GRADS, start=1):
        product *= u(step)
        product_next = product * u(step + 1)
        for i in range(len(w)):
            w[i] *= 1 - lr * weight_decay
            m[i] += (g[i] - m[i]) * (1 - beta_1)
            v[i] += (g[i] * g[i] - v[i]) * (1 - beta_2)
            m_hat = u(step + 1) * m[i] / (1 - product_next) + (1 - u(step)) * g[i] / (1 - product)
            v_hat = v[i] / (1 - beta_2 ** step)
            w[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(list(w))
    return out


def torch_nadam(lr, beta_1, beta_2, weight_decay=0.0):
    w = torch.tensor(W0, requires_grad=True)
    # torch's NAdam weight_decay is L2 (added to the gradient); Keras' is decoupled, so it is applied by hand below.
    opt = torch.optim.NAdam([w], lr=lr, betas=(beta_1, beta_2), eps=1e-7, momentum_decay=1.0)
    out = []
    for g in GRADS:
        with torch.no_grad():
            w.mul_(1 - lr * weight_decay)
        w.grad = torch.tensor(g)
        opt.step()
        out.append(w.detach().tolist())
    return out


def lion(lr, beta_1, beta_2, weight_decay=0.0):
    w = list(W0)
    m = [0.0] * len(w)
    out = []
    for g in GRADS:
        for i in range(len(w)):
            w[i] *= 1 - lr * weight_decay
            c = beta_1 * m[i] + (1 - beta_1) * g[i]
            w[i] -= lr * (0.0 if c == 0 else (1.0 if c > 0 else -1.0))
            m[i] = beta_2 * m[i] + (1 - beta_2) * g[i]
        out.append(list(w))
    return out


print(json.dumps({
    "w0": W0,
    "grads": GRADS,
    "nadam_default": nadam(0.001, 0.9, 0.999),
    "nadam_lr0.1_b0.8_0.95": nadam(0.1, 0.8, 0.95),
    "nadam_lr0.1_wd0.05": nadam(0.1, 0.9, 0.999, 0.05),
    "lion_default": lion(0.001, 0.9, 0.99),
    "lion_lr0.1_b0.5_0.9": lion(0.1, 0.5, 0.9),
    "lion_lr0.1_wd0.05": lion(0.1, 0.9, 0.99, 0.05),
    "torch_version": torch.__version__,
    "torch_nadam_default_for_comparison": torch_nadam(0.001, 0.9, 0.999),
}, indent=1))
