/// The commented starter recipe `sbi init` writes: the gaussian toy with every section
/// spelled out, each field annotated with its default, so a new user edits rather than
/// writes from scratch. It validates as is (tested).
public enum StarterRecipe {
    /// The recipe text (YAML, UTF-8).
    public static let text = #"""
# sbi recipe: one YAML file describes a whole analysis (see Recipes/README.md).
#   sbi validate recipe.yaml    check it (every problem with file:line:column)
#   sbi fit recipe.yaml         run it: simulate -> augment -> train -> limits -> plot
version: 1
name: my-analysis               # default: the file name without .yaml
seed: 1234                      # master seed; samples and estimators derive theirs from it

# The parameters theta, in the simulator's order: name, range, unit, LaTeX label.
parameters:
  - name: theta
    range: [-3, 3]              # [low, high], inside the simulator's own range
    unit: ""                    # default ""
    latex: '\theta'             # default: the simulator's label

# Built-in simulators: gaussian | drell-yan | wbf-higgs.
# drell-yan takes options: sqrt_s, beam_spread, cos_theta_resolution, energy_resolution.
# drell-yan and wbf-higgs are weighted: add benchmarks (name, theta) and morphing
# (basis: optimized | benchmarks, pool_factor: 4, proposal: [...]).
simulator:
  name: gaussian

# Samples: kind ratio | local | density | test.
# theta forms: benchmarks | {benchmark: NAME} | {point: [...]} | {points: [[...], ...]}
#              | {prior: flat} | {prior: {NAME: {flat: [LOW, HIGH]} | {gaussian: {mean: M, std: S}}}}
samples:
  - name: train
    kind: ratio
    theta0: {prior: flat}       # numerator: flat over the parameter range
    theta1: {point: [0]}        # denominator: the reference point
    events: 20000
    validation_split: 0.2       # default 0
    test_split: 0               # default 0.2
    # prior_points: 1000        # default: min(events, 1000)
    # seed: 1235                # default: seed + 1 + index

# Estimators: method carl | rolr | alice | alices | cascal | rascal | sally | sallino.
estimators:
  - name: alices
    method: alices
    sample: train               # ratio methods train on a ratio sample, sally/sallino on a local one
    hidden_layers: [50, 50]     # default [100]
    activation: tanh            # tanh | relu | sigmoid | elu | softplus | leaky_relu
    alpha: 1.0                  # score-term weight (alices, cascal, rascal); default 1
    ensemble: 1                 # default 1
    training:
      optimizer: amsgrad        # adam | amsgrad | sgd; default amsgrad
      epochs: 10                # default 50
      batch_size: 128           # default 128
      initial_learning_rate: 1.0e-3
      final_learning_rate: 1.0e-4
      validation_split: 0.25    # default 0.25
      early_stopping: true      # default true

# Inference: modes ml | sally | sallino | histogram | rate | truth.
inference:
  modes: [truth, ml]
  theta_true: [1]               # Asimov data at this point (or a benchmark name); or
  # observed: data.npy          # observed events, relative to this file's folder
  asimov_events: 20000          # default 100000
  grid:
    points: 61                  # default 41 (one parameter), 21 (more)
  confidence_levels: [0.68, 0.95]
  fisher_information: true

outputs:
  folder: sbi-output/my-analysis
  files: [contours.json, contours.svg, hepdata.yaml, pvalues.npy, grid.npy]
"""#
}
