/** deepts pictures: a pure-TypeScript RGBA raster, a bitmap font and chart functions (browser-safe). */
export { Raster, measureText, type TextOptions, type TextSize, type TextAlign, type TextBaseline, type DrawOp } from './raster.js';
export { toSvg } from './svg.js';
export {
  type Color,
  type RGBA,
  type ColormapName,
  TAB10,
  NAMED_COLORS,
  parseColor,
  classColor,
  withAlpha,
  luminance,
  contrastingTextColor,
  colormap,
} from './color.js';
export { GLYPH_COLUMNS, GLYPH_ROWS, CAP_HEIGHT, LINE_HEIGHT, glyphFor, lineWidth } from './font.js';
export { niceTicks, logTicks, formatTick, formatTicks, formatValue, formatNumber, wrapText } from './axes.js';
export {
  lineChart,
  scatterPlot,
  histogramWithCurves,
  histogramDensity,
  binEdges,
  DEFAULT_CHART_WIDTH,
  DEFAULT_CHART_HEIGHT,
  type LineSeries,
  type LineChartOptions,
  type ScatterPoint,
  type ScatterLine,
  type ScatterCurve,
  type ScatterPlotOptions,
  type HistogramGroup,
  type HistogramOptions,
} from './charts.js';
export { heatmap, type HeatmapOptions } from './heatmap.js';
export { barChart, type BarChartOptions, type BarSeries } from './bar-chart.js';
export { imageGrid, type ImageGridOptions } from './image-grid.js';
export { scatterMatrix, type ScatterMatrixOptions } from './scatter-matrix.js';
export { confusionMatrixPicture, normalCurvesPicture, type PerClassNormals } from './classification-plots.js';
export { regressionLinePicture, slopeProfilePicture, type SlopeProfile } from './regression-plots.js';
