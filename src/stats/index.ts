/**
 * deepts/stats: the statistics of the lecture in plain TypeScript — the normal
 * distribution and maximum likelihood, Gaussian naive Bayes, ordinary least
 * squares, and a numeric check that maximum likelihood equals least squares.
 * Works on number[] / Float64Array in double precision; no tensors, no Node APIs.
 */
export { Normal, logLikelihood } from './normal.js';
export type { NormalFitOptions, LogDensity } from './normal.js';
export { Rng, toRng } from '../tensor/random.js';
export { erf, erfc, logSumExp } from './special.js';
export { GaussianNB } from './naive-bayes.js';
export type { ClassLabel, GaussianNBOptions } from './naive-bayes.js';
export {
  fitOLS, simpleLinearRegression, r2Score, meanSquaredError, meanAbsoluteError,
} from './linear-regression.js';
export type { OLSOptions, OLSResult } from './linear-regression.js';
export { gaussianRegressionNLL, mleVsLeastSquares, slopeProfile } from './mle.js';
export type {
  MleVsLeastSquaresOptions, MleVsLeastSquaresResult, LikelihoodGrid, SlopeProfile,
} from './mle.js';
export { nelderMead } from './optimize.js';
export type { NelderMeadOptions, NelderMeadResult } from './optimize.js';
