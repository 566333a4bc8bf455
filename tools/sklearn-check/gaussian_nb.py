#!/usr/bin/python3
"""Writes reference.json: scikit-learn's GaussianNB and LinearRegression (and
40-digit mpmath values of erf/erfc and the normal density) on fixed data, so the
deepts tests (test/stats-sklearn.test.ts) can compare without Python.

Run from the repository root with Debian's python (it has python3-sklearn):
    /usr/bin/python3 tools/sklearn-check/gaussian_nb.py
"""
import json
import os

import mpmath
import numpy as np
import sklearn
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LinearRegression
from sklearn.naive_bayes import GaussianNB

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")


def nb_case(name, X, y, X_test, **params):
    model = GaussianNB(**params).fit(X, y)
    return {
        "name": name,
        "params": {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in params.items()},
        "X": X.tolist(),
        "y": y.tolist(),
        "X_test": X_test.tolist(),
        "classes": model.classes_.tolist(),
        "class_count": model.class_count_.tolist(),
        "class_prior": model.class_prior_.tolist(),
        "theta": model.theta_.tolist(),
        "var": model.var_.tolist(),
        "epsilon": float(model.epsilon_),
        "predict": model.predict(X_test).tolist(),
        "predict_proba": model.predict_proba(X_test).tolist(),
        "predict_log_proba": model.predict_log_proba(X_test).tolist(),
        "score": float(model.score(X, y)),
    }


def ols_case(name, X, y, X_test, fit_intercept=True):
    model = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    return {
        "name": name,
        "fit_intercept": fit_intercept,
        "X": X.tolist(),
        "y": y.tolist(),
        "X_test": X_test.tolist(),
        "coef": model.coef_.tolist(),
        "intercept": float(model.intercept_),
        "r2": float(model.score(X, y)),
        "predict": model.predict(X_test).tolist(),
    }


def main():
    rng = np.random.default_rng(20261125)
    iris = load_iris()
    X_iris, y_iris = iris.data, iris.target
    names = np.array(iris.target_names)[y_iris]
    # Test rows: the training rows plus a few far from every class (log-space stability).
    far = np.array([[30.0, -5.0, 40.0, 9.0], [0.0, 0.0, 0.0, 0.0], [7.9, 4.4, 1.0, 2.5]])
    X_iris_test = np.vstack([X_iris, far])

    # Features on wildly different scales, one of them constant within each class:
    # its per-class variance is 0, so only var_smoothing's epsilon keeps it usable.
    k, per_class = 3, 40
    labels = np.repeat(np.arange(k), per_class)
    X_syn = np.column_stack([
        1e-4 * (rng.normal(size=k * per_class) + labels),
        rng.normal(size=k * per_class) + 0.8 * labels,
        1e5 * (rng.normal(size=k * per_class) + 0.5 * labels),
        np.repeat([1.0, 2.0, 3.0], per_class),
    ])
    y_syn = np.array([10, 20, 30])[labels]
    X_syn_test = np.vstack([X_syn, [[0.0, 0.0, 0.0, 1.5], [3e-4, 2.0, 2e5, 2.5], [-1e-3, -9.0, -1e6, 0.0]]])

    naive_bayes = [
        nb_case("iris", X_iris, y_iris, X_iris_test),
        nb_case("iris-string-labels", X_iris, names, X_iris_test),
        nb_case("iris-priors", X_iris, y_iris, X_iris_test, priors=np.array([0.5, 0.3, 0.2])),
        nb_case("scales", X_syn, y_syn, X_syn_test),
        nb_case("scales-smoothing-1e-3", X_syn, y_syn, X_syn_test, var_smoothing=1e-3),
    ]

    diabetes = load_diabetes()
    n = 200
    X_scales = np.column_stack([
        1e-3 * rng.normal(size=n), rng.normal(size=n), 1e4 * rng.normal(size=n) + 5e4,
    ])
    y_scales = 2e3 * X_scales[:, 0] - 0.7 * X_scales[:, 1] + 3e-4 * X_scales[:, 2] + 4 + 0.1 * rng.normal(size=n)
    linear = [
        ols_case("iris-petal-width", X_iris[:, :3], X_iris[:, 3], X_iris[:5, :3]),
        ols_case("diabetes", diabetes.data, diabetes.target, diabetes.data[:10]),
        ols_case("scales", X_scales, y_scales, X_scales[:10]),
        ols_case("scales-no-intercept", X_scales, y_scales, X_scales[:10], fit_intercept=False),
    ]

    mpmath.mp.dps = 40
    xs = [-6.0, -3.3, -1.0, -0.5, -1e-3, 0.0, 1e-8, 0.3, 0.5, 0.99, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 26.0]
    erf_table = [[x, float(mpmath.erf(x)), float(mpmath.erfc(x))] for x in xs]
    normal_table = []
    for mu, sigma in [(0.0, 1.0), (2.5, 0.3), (-100.0, 40.0)]:
        for z in [-38.0, -8.0, -1.96, -0.5, 0.0, 0.7, 1.96, 5.0]:
            x = mu + sigma * z
            m, s, xv = mpmath.mpf(mu), mpmath.mpf(sigma), mpmath.mpf(x)
            pdf = mpmath.npdf(xv, m, s)
            normal_table.append({
                "mu": mu, "sigma": sigma, "x": x,
                "pdf": float(pdf), "logPdf": float(mpmath.log(pdf)),
                "cdf": float(mpmath.ncdf(xv, m, s)),
            })

    with open(OUT, "w") as f:
        json.dump({
            "generated_by": "tools/sklearn-check/gaussian_nb.py",
            "sklearn_version": sklearn.__version__,
            "numpy_version": np.__version__,
            "mpmath_version": mpmath.__version__,
            "gaussian_nb": naive_bayes,
            "linear_regression": linear,
            "erf": erf_table,
            "normal": normal_table,
        }, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} (scikit-learn {sklearn.__version__})")


if __name__ == "__main__":
    main()
