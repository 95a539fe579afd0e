import Foundation
import SBICore
import XCTest
@testable import SBIRecipes

/// A table of malformed recipes, each a small edit of one valid base recipe, with the exact
/// `file:line:column: key.path: message` lines the validator must print. Positions are
/// 1-based and were checked by hand against the base text below (line numbers in comments).
final class MalformedRecipeTests: XCTestCase {
    /// The valid base recipe; every case edits it with one or more textual replacements.
    /// The edits that make `base` a recipe of `gaussian-3d`'s three parameters.
    static let threeParameters = [("  - name: theta\n    range: [-3, 3]", "  - {name: theta1, range: [-3, 3]}\n  - {name: theta2, range: [-3, 3]}\n  - {name: theta3, range: [-3, 3]}"),
                                  ("name: gaussian", "name: gaussian-3d"), ("theta1: {point: [0]}", "theta1: {point: [0, 0, 0]}"),
                                  ("theta_true: [1]", "theta_true: [1, 0, 0]")]

    static let base = """
    version: 1
    name: base
    seed: 7
    parameters:
      - name: theta
        range: [-3, 3]
    simulator:
      name: gaussian
    samples:
      - name: train
        kind: ratio
        theta0: {prior: flat}
        theta1: {point: [0]}
        events: 1000
    estimators:
      - name: carl
        method: carl
        sample: train
        training:
          epochs: 5
    inference:
      modes: [truth, ml]
      theta_true: [1]
      grid:
        points: 11
    outputs:
      folder: out

    """
    // Line numbers of the base: 1 version, 4 parameters, 6 range, 8 simulator name, 10–14 the
    // sample, 16–20 the estimator, 22 modes, 23 theta_true, 25 grid points, 27 outputs folder.

    struct Case {
        let name: String
        let edits: [(String, String)]
        let expected: [String]
    }

    static let cases: [Case] = [
        // YAML syntax and structure
        Case(name: "unclosed flow sequence", edits: [("range: [-3, 3]", "range: [-3, 3")],
             expected: ["recipe.yaml:7:10: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 6, column 12)"]),
        Case(name: "tab indentation", edits: [("  name: gaussian", "\tname: gaussian")],
             expected: ["recipe.yaml:8:1: YAML syntax error: found character that cannot start any token (while scanning for the next token at line 8, column 1)"]),
        Case(name: "mapping value in plain scalar", edits: [("name: base", "name: base: x")],
             expected: ["recipe.yaml:2:11: YAML syntax error: mapping values are not allowed in this context"]),
        Case(name: "second document", edits: [("outputs:\n  folder: out\n", "outputs:\n  folder: out\n---\nname: x\n")],
             expected: ["recipe.yaml:28:1: a second YAML document starts here; a recipe is one document (remove the '---' line and what follows)"]),
        Case(name: "top level is a list", edits: [("version: 1\nname: base\nseed: 7\nparameters:", "- 1\n- 2\n- 3\n- 4\nparameters:")],
             expected: ["recipe.yaml:5:1: YAML syntax error: did not find expected '-' indicator (while parsing a block collection at line 1, column 1)"]),
        Case(name: "unknown alias", edits: [("seed: 7", "seed: *s")],
             expected: ["recipe.yaml:3:7: alias *s refers to no anchor &s defined before it"]),
        Case(name: "custom tag", edits: [("seed: 7", "seed: !python/object 7")],
             expected: ["recipe.yaml:3:7: unsupported YAML tag \"!python/object\"; recipes use plain values (only !!str, !!int, !!float, !!bool, !!null, !!seq, !!map)"]),
        Case(name: "duplicate top-level key", edits: [("seed: 7", "seed: 7\nseed: 8")],
             expected: ["recipe.yaml:4:1: seed: duplicate key \"seed\"; it is already given at line 3, column 1"]),
        Case(name: "duplicate nested key", edits: [("    epochs: 5", "    epochs: 5\n      epochs: 6")],
             expected: ["recipe.yaml:21:7: estimators[0].training.epochs: duplicate key \"epochs\"; it is already given at line 20, column 7"]),
        Case(name: "duplicate key in flow mapping", edits: [("theta0: {prior: flat}", "theta0: {prior: flat, prior: flat}")],
             expected: ["recipe.yaml:12:27: samples[0].theta0.prior: duplicate key \"prior\"; it is already given at line 12, column 14"]),
        Case(name: "empty recipe", edits: [(base, "# nothing here\n")],
             expected: ["recipe.yaml:1:1: the recipe is empty; expected a mapping with keys version, name, seed, parameters, simulator, benchmarks, morphing, samples, estimators, inference, outputs, nuisance, execution"]),

        // Unknown and missing keys
        Case(name: "unknown top-level key with suggestion", edits: [("seed: 7", "sead: 7")],
             expected: ["recipe.yaml:3:1: sead: unknown key \"sead\"; did you mean \"seed\"?"]),
        Case(name: "unknown key without suggestion", edits: [("seed: 7", "colour: blue")],
             expected: ["recipe.yaml:3:1: colour: unknown key \"colour\"; expected one of version, name, seed, parameters, simulator, benchmarks, morphing, samples, estimators, inference, outputs, nuisance, execution"]),
        // execution: (outputs.folder "out" is line 27; the section starts at line 28)
        Case(name: "unknown executor", edits: [("  folder: out\n", "  folder: out\nexecution:\n  executor: condor\n")],
             expected: ["recipe.yaml:29:13: execution.executor: unknown executor \"condor\"; expected local or slurm"]),
        Case(name: "slurm options with the local executor", edits: [("  folder: out\n", "  folder: out\nexecution:\n  jobs: 2\n  slurm: {partition: short}\n")],
             expected: ["recipe.yaml:30:10: execution.slurm: Slurm options need executor: slurm"]),
        Case(name: "jobs with slurm, and an sbatch argument that is no option", edits: [("  folder: out\n",
             "  folder: out\nexecution:\n  executor: slurm\n  jobs: 2\n  slurm: {sbatch_args: [qos=low], cpus_per_task: 0}\n")],
             expected: ["recipe.yaml:30:9: execution.jobs: jobs applies to the local executor; Slurm runs every shard of a stage as its own task",
                        "recipe.yaml:31:25: execution.slurm.sbatch_args[0]: \"qos=low\" is not an sbatch option; write each as --name=value",
                        "recipe.yaml:31:50: execution.slurm.cpus_per_task: expected an integer in 1...1024, got 0"]),
        Case(name: "unknown training key", edits: [("    epochs: 5", "    epoch: 5")],
             expected: ["recipe.yaml:20:7: estimators[0].training.epoch: unknown key \"epoch\"; did you mean \"epochs\"?"]),
        Case(name: "missing simulator", edits: [("simulator:\n  name: gaussian\n", "")],
             expected: ["recipe.yaml:1:1: missing required key \"simulator\""]),
        Case(name: "missing simulator name", edits: [("  name: gaussian", "  options: {}")],
             expected: ["recipe.yaml:8:3: simulator: missing required key \"name\""]),
        Case(name: "missing estimator method", edits: [("    method: carl\n", "")],
             expected: ["recipe.yaml:16:5: estimators[0]: missing required key \"method\""]),
        Case(name: "missing sample events", edits: [("    events: 1000\n", "")],
             expected: ["recipe.yaml:10:5: samples[0]: missing required key \"events\""]),
        Case(name: "missing theta1 of a ratio sample", edits: [("    theta1: {point: [0]}\n", "")],
             expected: ["recipe.yaml:10:5: samples[0]: missing required key \"theta1\" (ratio samples need theta0 and theta1)"]),
        Case(name: "missing modes", edits: [("  modes: [truth, ml]\n", "")],
             expected: ["recipe.yaml:22:3: inference: missing required key \"modes\""]),
        Case(name: "missing parameter range", edits: [("    range: [-3, 3]\n", "")],
             expected: ["recipe.yaml:5:5: parameters[0]: missing required key \"range\""]),

        // Wrong types
        Case(name: "quoted number is a string", edits: [("events: 1000", "events: \"1000\"")],
             expected: ["recipe.yaml:14:13: samples[0].events: expected an integer, got the string \"1000\""]),
        Case(name: "learning rate 1e300", edits: [("    epochs: 5", "    epochs: 5\n      initial_learning_rate: 1.0e300")],
             expected: ["recipe.yaml:21:30: estimators[0].training.initial_learning_rate: expected a number in (0, 1] (MadMiner's default 1e-3), got 1.0e300"]),
        Case(name: "fractional integer", edits: [("epochs: 5", "epochs: 2.5")],
             expected: ["recipe.yaml:20:15: estimators[0].training.epochs: expected an integer, got 2.5"]),
        Case(name: "seed is text", edits: [("seed: 7", "seed: seven")],
             expected: ["recipe.yaml:3:7: seed: expected a seed (an integer in 0...18446744073709551615), got seven"]),
        Case(name: "parameters is a mapping", edits: [("  - name: theta\n    range: [-3, 3]", "  theta: [-3, 3]")],
             expected: ["recipe.yaml:5:3: parameters: expected a list, got a mapping"]),
        Case(name: "range is a scalar", edits: [("range: [-3, 3]", "range: 3")],
             expected: ["recipe.yaml:6:12: parameters[0].range: expected a list, got 3"]),
        Case(name: "boolean spelled yes", edits: [("  grid:", "  fisher_information: yes\n  grid:")],
             expected: ["recipe.yaml:24:23: inference.fisher_information: expected true or false, got yes"]),
        Case(name: "training is a list", edits: [("    training:\n      epochs: 5", "    training: [5]")],
             expected: ["recipe.yaml:19:15: estimators[0].training: expected a mapping with keys optimizer, epochs, batch_size, initial_learning_rate, final_learning_rate, validation_split, early_stopping, patience, clip_gradient_norm, momentum, seed, got a list"]),

        // Ranges, NaN, sizes
        Case(name: "reversed range", edits: [("range: [-3, 3]", "range: [3, -3]")],
             expected: ["recipe.yaml:6:12: parameters[0].range: range [3, -3] is reversed; expected [low, high] with low < high"]),
        Case(name: "empty range", edits: [("range: [-3, 3]", "range: [1, 1]")],
             expected: ["recipe.yaml:6:12: parameters[0].range: range [1, 1] is empty; expected [low, high] with low < high"]),
        Case(name: "range outside the simulator's", edits: [("range: [-3, 3]", "range: [-30, 3]")],
             expected: ["recipe.yaml:6:12: parameters[0].range: range [-30, 3] leaves the simulator's range [-10, 10] of theta"]),
        Case(name: "NaN in range", edits: [("range: [-3, 3]", "range: [.nan, 3]")],
             expected: ["recipe.yaml:6:13: parameters[0].range[0]: expected a finite number, got .nan"]),
        Case(name: "infinite theta_true", edits: [("theta_true: [1]", "theta_true: [.inf]")],
             expected: ["recipe.yaml:23:16: inference.theta_true[0]: expected a finite number, got .inf"]),
        Case(name: "theta_true outside range", edits: [("theta_true: [1]", "theta_true: [5]")],
             expected: ["recipe.yaml:23:16: inference.theta_true[0]: theta = 5 is outside its range [-3, 3]"]),
        Case(name: "negative events", edits: [("events: 1000", "events: -5")],
             expected: ["recipe.yaml:14:13: samples[0].events: expected an integer in 1...2147483647, got -5"]),
        Case(name: "events 10¹²: the message gives the limit", edits: [("events: 1000", "events: 1000000000000")],
             expected: ["recipe.yaml:14:13: samples[0].events: expected an integer in 1...2147483647, got 1000000000000"]),
        Case(name: "zero batch size", edits: [("    epochs: 5", "    batch_size: 0")],
             expected: ["recipe.yaml:20:19: estimators[0].training.batch_size: expected an integer in 1...10000000, got 0"]),
        Case(name: "negative learning rate", edits: [("    epochs: 5", "    initial_learning_rate: -1e-3")],
             expected: ["recipe.yaml:20:30: estimators[0].training.initial_learning_rate: expected a number in (0, 1] (MadMiner's default 1e-3), got -1e-3"]),
        Case(name: "confidence level 1", edits: [("  grid:", "  confidence_levels: [0.68, 1]\n  grid:")],
             expected: ["recipe.yaml:24:29: inference.confidence_levels[1]: expected a number in (0, 1), got 1"]),
        Case(name: "confidence levels not increasing", edits: [("  grid:", "  confidence_levels: [0.95, 0.68]\n  grid:")],
             expected: ["recipe.yaml:24:29: inference.confidence_levels[1]: confidence levels must increase; 0.68 follows 0.95"]),
        Case(name: "validation split 1", edits: [("events: 1000", "events: 1000\n    validation_split: 1")],
             expected: ["recipe.yaml:15:23: samples[0].validation_split: expected a number in [0, 1), got 1"]),
        Case(name: "splits leave no training events", edits: [("events: 1000", "events: 1000\n    validation_split: 0.5\n    test_split: 0.5")],
             expected: ["recipe.yaml:14:13: samples[0].events: validation (500) and test (500) events leave no training events of 1000"]),
        Case(name: "grid with one point", edits: [("points: 11", "points: 1")],
             expected: ["recipe.yaml:25:13: inference.grid.points: expected an integer in 2...10001, got 1"]),

        // Unknown names and broken links
        Case(name: "unknown simulator", edits: [("name: gaussian", "name: gausian")],
             expected: ["recipe.yaml:8:9: simulator.name: unknown \"gausian\"; expected one of gaussian, gaussian-3d, drell-yan, wbf-higgs"]),
        Case(name: "unknown method", edits: [("method: carl", "method: alicse")],
             expected: ["recipe.yaml:17:13: estimators[0].method: unknown \"alicse\"; expected one of carl, rolr, alice, alices, cascal, rascal, sally, sallino, carl2, rolr2, alice2, alices2, cascal2, rascal2, nde, scandal"]),
        Case(name: "unknown activation", edits: [("    training:", "    activation: swish\n    training:")],
             expected: ["recipe.yaml:19:17: estimators[0].activation: unknown \"swish\"; expected one of tanh, relu, sigmoid, elu, softplus, leaky_relu"]),
        Case(name: "unknown optimizer", edits: [("    epochs: 5", "    optimizer: adamw")],
             expected: ["recipe.yaml:20:18: estimators[0].training.optimizer: unknown \"adamw\"; expected one of adam, amsgrad, sgd"]),
        Case(name: "unknown mode", edits: [("modes: [truth, ml]", "modes: [truth, ml, bayes]")],
             expected: ["recipe.yaml:22:22: inference.modes[2]: unknown \"bayes\"; expected one of ml, sally, ideal_sally, sallino, histogram, rate, truth"]),
        Case(name: "unknown sample kind", edits: [("kind: ratio", "kind: ratios")],
             expected: ["recipe.yaml:11:11: samples[0].kind: unknown \"ratios\"; expected one of ratio, more_ratios, local, density, test"]),
        Case(name: "unknown output file", edits: [("folder: out", "folder: out\n  files: [contours.pdf]")],
             expected: ["recipe.yaml:28:11: outputs.files[0]: unknown \"contours.pdf\"; expected one of contours.json, contours.svg, hepdata.yaml, pvalues.npy, grid.npy"]),
        Case(name: "refine out of range", edits: [("modes: [truth, ml]", "modes: [truth, ml]\n  refine: 0")],
             expected: ["recipe.yaml:23:11: inference.refine: expected an integer in 1...16, got 0"]),
        Case(name: "centre-of-mass energy not positive", edits: [("folder: out", "folder: out\n  cmenergies: -13")],
             expected: ["recipe.yaml:28:15: outputs.cmenergies: expected a centre-of-mass energy in GeV, > 0, got -13"]),
        Case(name: "folder not a string", edits: [("folder: out", "folder: true")],
             expected: ["recipe.yaml:27:11: outputs.folder: expected a string, got true; quote it ('true') if you mean the text"]),
        Case(name: "folder a number", edits: [("folder: out", "folder: 12")],
             expected: ["recipe.yaml:27:11: outputs.folder: expected a string, got 12; quote it ('12') if you mean the text"]),
        Case(name: "folder under ~", edits: [("folder: out", "folder: '~/x'")],
             expected: ["recipe.yaml:27:11: outputs.folder: ~/x: sbi does not expand ~; write the full path or one relative to the recipe's folder"]),
        Case(name: "folder is the root", edits: [("folder: out", "folder: /")],
             expected: ["recipe.yaml:27:11: outputs.folder: / is not an output folder; choose a folder of its own"]),
        Case(name: "unknown parameter name", edits: [("  - name: theta", "  - name: mu")],
             expected: ["recipe.yaml:5:11: parameters[0].name: unknown parameter \"mu\" at position 1 of gaussian; expected theta (its parameters are theta)"]),
        Case(name: "too many parameters", edits: [("    range: [-3, 3]", "    range: [-3, 3]\n  - name: phi\n    range: [0, 1]")],
             expected: ["recipe.yaml:5:3: parameters: the gaussian simulator has 1 parameter (theta), got 2"]),
        Case(name: "unknown sample of an estimator", edits: [("sample: train", "sample: trian")],
             expected: ["recipe.yaml:18:13: estimators[0].sample: unknown sample \"trian\"; expected one of train"]),
        Case(name: "sally on a ratio sample", edits: [("method: carl", "method: sally"), ("modes: [truth, ml]", "modes: [truth, sally]")],
             expected: ["recipe.yaml:18:13: estimators[0].sample: sample \"train\" is a ratio sample; method sally trains on a local sample"]),
        Case(name: "additional thetas on a ratio sample", edits: [("    events: 1000", "    additional_thetas: [{prior: flat}]\n    events: 1000")],
             expected: ["recipe.yaml:14:5: samples[0].additional_thetas: only more_ratios samples take additional_thetas; ratio samples do not"]),
        Case(name: "doubly method on a ratio sample", edits: [("method: carl", "method: carl2")],
             expected: ["recipe.yaml:18:13: estimators[0].sample: sample \"train\" is a ratio sample; method carl2 trains on a more_ratios sample"]),
        Case(name: "reference for carl", edits: [("    training:", "    reference: {point: [0]}\n    training:")],
             expected: ["recipe.yaml:19:16: estimators[0].reference: reference is θ1 of doubly parameterised methods (carl2 … rascal2); method carl has none"]),
        Case(name: "ensemble of a doubly method", edits: [("kind: ratio", "kind: more_ratios"), ("method: carl", "method: carl2"),
                                                           ("    training:", "    ensemble: 3\n    training:")],
             expected: ["recipe.yaml:19:15: estimators[0].ensemble: ensembles of doubly parameterised estimators (carl2) are not supported; use ensemble: 1"]),
        Case(name: "morphing-aware with a prior theta1", edits: [("theta1: {point: [0]}", "theta1: {prior: flat}"),
                                                                  ("    training:", "    morphing_aware: true\n    training:")],
             expected: ["recipe.yaml:19:21: estimators[0].morphing_aware: the morphing-aware form is relative to one θ1; sample \"train\" needs theta1: {point: [...]} or {benchmark: NAME}"]),
        Case(name: "morphing-aware carl2", edits: [("kind: ratio", "kind: more_ratios"), ("method: carl", "method: carl2"),
                                                    ("    training:", "    morphing_aware: true\n    training:")],
             expected: ["recipe.yaml:19:21: estimators[0].morphing_aware: the morphing-aware form is trained by carl, rolr, alice, alices, cascal or rascal; method carl2 is not one"]),
        Case(name: "blocks for carl", edits: [("    training:", "    blocks: 3\n    training:")],
             expected: ["recipe.yaml:19:13: estimators[0].blocks: blocks is the number of MADE blocks of an nde or scandal flow; method carl has none"]),
        Case(name: "nde on a ratio sample", edits: [("method: carl", "method: nde")],
             expected: ["recipe.yaml:18:13: estimators[0].sample: sample \"train\" is a ratio sample; method nde trains on a density sample"]),
        Case(name: "alpha for carl", edits: [("    training:", "    alpha: 2\n    training:")],
             expected: ["recipe.yaml:19:12: estimators[0].alpha: alpha weights the score term of alices, cascal, rascal, scandal (and the doubly parameterised alices2, cascal2, rascal2); method carl has none"]),
        Case(name: "ml without ratio estimator", edits: [("estimators:\n  - name: carl\n    method: carl\n    sample: train\n    training:\n      epochs: 5\n", "")],
             expected: ["recipe.yaml:16:18: inference.modes[1]: mode ml needs an estimator with a ratio or likelihood method (carl … rascal, carl2 … rascal2, nde, scandal)"]),
        Case(name: "rate mode on a shape-only simulator", edits: [("modes: [truth, ml]", "modes: [truth, ml, rate]")],
             expected: ["recipe.yaml:22:22: inference.modes[2]: mode rate needs a simulator with an event rate; gaussian is shape-only"]),
        Case(name: "mode listed twice", edits: [("modes: [truth, ml]", "modes: [truth, ml, truth]")],
             expected: ["recipe.yaml:22:22: inference.modes[2]: mode truth is listed twice"]),
        Case(name: "morphing for the gaussian", edits: [("samples:", "morphing:\n  basis: optimized\nsamples:")],
             expected: ["recipe.yaml:9:1: morphing: the gaussian simulator is not weighted; morphing does not apply"]),
        Case(name: "unknown benchmark", edits: [("theta1: {point: [0]}", "theta1: {benchmark: sm}")],
             expected: ["recipe.yaml:13:25: samples[0].theta1.benchmark: unknown benchmark \"sm\"; the recipe defines no benchmarks"]),
        Case(name: "unknown theta form", edits: [("theta1: {point: [0]}", "theta1: {piont: [0]}")],
             expected: ["recipe.yaml:13:14: samples[0].theta1.piont: unknown key \"piont\"; did you mean \"point\"?"]),
        Case(name: "point with two values for one parameter", edits: [("theta1: {point: [0]}", "theta1: {point: [0, 1]}")],
             expected: ["recipe.yaml:13:21: samples[0].theta1.point: expected 1 number (theta), got 2"]),
        Case(name: "gaussian prior without std", edits: [("theta0: {prior: flat}", "theta0: {prior: {theta: {gaussian: {mean: 0}}}}")],
             expected: ["recipe.yaml:12:40: samples[0].theta0.prior.theta.gaussian: missing required key \"std\""]),
        Case(name: "gaussian prior with zero std", edits: [("theta0: {prior: flat}", "theta0: {prior: {theta: {gaussian: {mean: 0, std: 0}}}}")],
             expected: ["recipe.yaml:12:55: samples[0].theta0.prior.theta.gaussian.std: expected a number > 0, got 0"]),
        Case(name: "observed file that does not exist", edits: [("theta_true: [1]", "observed: data/missing.npy")],
             expected: ["recipe.yaml:23:13: inference.observed: file \"data/missing.npy\" does not exist (paths are relative to the recipe's folder)"]),
        Case(name: "both theta_true and observed", edits: [("theta_true: [1]", "theta_true: [1]\n  observed: x.npy")],
             expected: ["recipe.yaml:24:13: inference.observed: give either theta_true (expected data) or observed (a file), not both"]),
        // inference.toys (line 26, after the grid's points)
        Case(name: "no toys", edits: [("    points: 11", "    points: 11\n  toys: {count: 0}")],
             expected: ["recipe.yaml:26:17: inference.toys.count: expected an integer in 1...1000000, got 0"]),
        Case(name: "toys without a count", edits: [("    points: 11", "    points: 11\n  toys: {seed: 3}")],
             expected: ["recipe.yaml:26:9: inference.toys: missing required key \"count\""]),
        Case(name: "misspelt toy seed", edits: [("    points: 11", "    points: 11\n  toys: {count: 10, sed: 3}")],
             expected: ["recipe.yaml:26:21: inference.toys.sed: unknown key \"sed\"; did you mean \"seed\"?"]),
        Case(name: "calibration of absurd size", edits: [("    points: 11", "    points: 11\n  calibration: {events: 1000000, points: 1000}")],
             expected: ["recipe.yaml:26:16: inference.calibration: 2 × 1000000 events × 1000 points is more than 50000000; use fewer events or points"]),
        Case(name: "calibration tolerance above one", edits: [("    points: 11", "    points: 11\n  calibration: {closure_tolerance: 2}")],
             expected: ["recipe.yaml:26:36: inference.calibration.closure_tolerance: expected a number in [0, 1], got 2"]),
        Case(name: "Neyman points off the grid", edits: [("    points: 11", "    points: 11\n  toys: {count: 10, neyman_points: 8}")],
             expected: ["recipe.yaml:26:36: inference.toys.neyman_points: 8 points on axis 1 do not fall on its 11 grid points; expected one of 2, 3, 6, 11"]),
        Case(name: "score histogram of three parameters", edits: MalformedRecipeTests.threeParameters + [("modes: [truth, ml]", "modes: [truth, ml, sally]")],
             expected: ["recipe.yaml:23:22: inference.modes[2]: mode sally needs an estimator with method sally",
                        "recipe.yaml:23:22: inference.modes[2]: mode sally histograms the score's components, at most 2; the recipe has 3 parameters (use ml, histogram, sallino or truth, which take any number)"]),
        Case(name: "Neyman construction of three parameters", edits: MalformedRecipeTests.threeParameters + [("    points: 11", "    points: 11\n  toys: {count: 10, neyman_points: 3}")],
             expected: ["recipe.yaml:27:36: inference.toys.neyman_points: the Neyman construction draws regions of 1 or 2 parameters; the grid has 3 (toys without neyman_points check the coverage of the whole region)"]),
        Case(name: "Neyman construction of too many toys", edits: [("    points: 11", "    points: 11\n  toys: {count: 1000000, neyman_points: 11}")],
             expected: ["recipe.yaml:26:41: inference.toys.neyman_points: 11 points × 1000000 toys is more than 1000000 toys; use fewer points or toys"]),
        Case(name: "toys with observed data", edits: [("theta_true: [1]", "observed: data/missing.npy\n  toys: {count: 10}")],
             expected: ["recipe.yaml:23:13: inference.observed: file \"data/missing.npy\" does not exist (paths are relative to the recipe's folder)",
                        "recipe.yaml:24:9: inference.toys: toys are drawn at theta_true; with observed data there is none (give theta_true instead of observed)"]),
        Case(name: "unsupported version", edits: [("version: 1", "version: 2")],
             expected: ["recipe.yaml:1:10: version: unsupported recipe version 2; this sbi reads version 1"]),
        Case(name: "invalid sample name", edits: [("  - name: train", "  - name: my sample")],
             expected: ["recipe.yaml:10:11: samples[0].name: \"my sample\" is not a valid name; use letters, digits, '_', '-' and '.' (at most 64, not starting with '.')",
                        "recipe.yaml:18:13: estimators[0].sample: unknown sample \"train\"; expected one of my sample"]),

        Case(name: "merge key", edits: [("seed: 7", "seed: 7\n<<: {a: 1}")],
             expected: ["recipe.yaml:4:1: <<: YAML merge keys (<<) are not supported; write the keys out"]),
        Case(name: "histogram settings without the mode", edits: [("  grid:", "  histogram: {bins: 10}\n  grid:")],
             expected: ["recipe.yaml:24:3: inference.histogram: histogram settings apply only with mode histogram"]),
        Case(name: "unknown histogram observable", edits: [("modes: [truth, ml]", "modes: [truth, ml, histogram]"), ("  grid:", "  histogram: {observables: [y]}\n  grid:")],
             expected: ["recipe.yaml:24:29: inference.histogram.observables[0]: unknown observable \"y\"; expected one of x"]),
        Case(name: "local sample with a prior", edits: [("kind: ratio\n    theta0: {prior: flat}\n    theta1: {point: [0]}", "kind: local\n    theta: {prior: flat}")],
             expected: ["recipe.yaml:12:12: samples[0].theta: local (SALLY) samples need one reference point ({point: [...]} or {benchmark: name})"]),
        Case(name: "unknown estimator in inference", edits: [("  theta_true: [1]", "  theta_true: [1]\n  estimators: [carl, sally]")],
             expected: ["recipe.yaml:24:22: inference.estimators[1]: unknown estimator \"sally\"; expected one of carl"]),
        Case(name: "benchmarks for the gaussian", edits: [("samples:", "benchmarks:\n  - name: sm\n    theta: [0]\nsamples:")],
             expected: ["recipe.yaml:10:3: benchmarks: the gaussian simulator is not weighted; give parameter points with point: or points: instead"]),
        Case(name: "theta benchmarks for the gaussian", edits: [("theta1: {point: [0]}", "theta1: benchmarks")],
             expected: ["recipe.yaml:13:13: samples[0].theta1: the gaussian simulator is not weighted; it has no benchmarks"]),
        Case(name: "options for the gaussian", edits: [("  name: gaussian", "  name: gaussian\n  options: {seed: 1}")],
             expected: ["recipe.yaml:9:13: simulator.options.seed: unknown key \"seed\"; expected one of calibration_offset"]),

        // Several problems at once, reported in file order
        Case(name: "three problems at once", edits: [("seed: 7", "seed: -1"), ("method: carl", "method: alicse"), ("points: 11", "points: 0")],
             expected: ["recipe.yaml:3:7: seed: expected a seed (an integer in 0...18446744073709551615), got -1",
                        "recipe.yaml:17:13: estimators[0].method: unknown \"alicse\"; expected one of carl, rolr, alice, alices, cascal, rascal, sally, sallino, carl2, rolr2, alice2, alices2, cascal2, rascal2, nde, scandal",
                        "recipe.yaml:25:13: inference.grid.points: expected an integer in 2...10001, got 0"]),
    ]

    /// A valid base recipe with a weighted simulator (benchmarks, morphing, rate).
    static let weightedBase = """
    parameters:
      - name: fW
        range: [-1, 1]
      - name: fWW
        range: [-1, 1]
    simulator:
      name: wbf-higgs
    benchmarks:
      - name: sm
        theta: [0, 0]
    morphing:
      basis: optimized
    samples:
      - name: local
        kind: local
        theta: {benchmark: sm}
        events: 1000
    estimators:
      - name: sally
        method: sally
        sample: local
    inference:
      modes: [truth, sally, rate]
      theta_true: sm
      luminosity_inverse_femtobarn: 300

    """

    static let weightedCases: [Case] = [
        Case(name: "parameter name not the simulator's", edits: [("name: fW\n", "name: fX\n")],
             expected: ["recipe.yaml:2:11: parameters[0].name: unknown parameter \"fX\" at position 1 of wbf-higgs; expected fW (its parameters are fW, fWW)"]),
        Case(name: "benchmark outside the range, no follow-on errors", edits: [("theta: [0, 0]", "theta: [0, 2]")],
             expected: ["recipe.yaml:10:16: benchmarks[0].theta[1]: fWW = 2 is outside its range [-1, 1]"]),
        Case(name: "duplicate benchmark name", edits: [("    theta: [0, 0]\n", "    theta: [0, 0]\n  - name: sm\n    theta: [0.5, 0]\n")],
             expected: ["recipe.yaml:11:11: benchmarks[1].name: benchmark \"sm\" is already defined at benchmarks[0]"]),
        Case(name: "benchmark basis with too few benchmarks", edits: [("basis: optimized", "basis: benchmarks")],
             expected: ["recipe.yaml:12:10: morphing.basis: a benchmark basis for wbf-higgs needs 6 benchmarks (one per morphing component), got 1"]),
        Case(name: "pool factor below 1", edits: [("basis: optimized", "basis: optimized\n  pool_factor: 0.5")],
             expected: ["recipe.yaml:13:16: morphing.pool_factor: expected a number in [1, 50] (pools never grow beyond 50× the events), got 0.5"]),
        Case(name: "pool factor 1e12", edits: [("basis: optimized", "basis: optimized\n  pool_factor: 1e12")],
             expected: ["recipe.yaml:13:16: morphing.pool_factor: expected a number in [1, 50] (pools never grow beyond 50× the events), got 1e12"]),
        Case(name: "proposal outside the range", edits: [("basis: optimized", "basis: optimized\n  proposal: [0, 5]")],
             expected: ["recipe.yaml:13:17: morphing.proposal[1]: fWW = 5 is outside its range [-1, 1]"]),
        Case(name: "drell-yan beam window below 1 GeV", edits: [("name: wbf-higgs", "name: drell-yan\n  options: {beam_spread: 30}")],
             expected: ["recipe.yaml:8:26: simulator.options.beam_spread: the beam window sqrt_s ± 5·beam_spread reaches √s ≤ 1 GeV; reduce beam_spread"]),
        // Physics settings whose observables would be noise or overflow Float32 (fit used to write ±inf x).
        Case(name: "drell-yan energy resolution 1e40", edits: [("name: wbf-higgs", "name: drell-yan\n  options: {energy_resolution: 1e40}"), ("name: fW\n", "name: dgV\n"),
                     ("name: fWW\n", "name: dgA\n"), ("range: [-1, 1]", "range: [-0.1, 0.1]")],
             expected: ["recipe.yaml:8:32: simulator.options.energy_resolution: expected a number in (0, √s/2 = 45.5938] (GeV, the lepton energy), got 1e40"]),
        Case(name: "drell-yan sqrt_s 1e300", edits: [("name: wbf-higgs", "name: drell-yan\n  options: {sqrt_s: 1e300}"), ("name: fW\n", "name: dgV\n"),
                     ("name: fWW\n", "name: dgA\n"), ("range: [-1, 1]", "range: [-0.1, 0.1]")],
             expected: ["recipe.yaml:8:21: simulator.options.sqrt_s: expected a number in (0, 100000] (GeV), got 1e300"]),
        Case(name: "drell-yan cos theta resolution 5", edits: [("name: wbf-higgs", "name: drell-yan\n  options: {cos_theta_resolution: 5}"), ("name: fW\n", "name: dgV\n"),
                     ("name: fWW\n", "name: dgA\n"), ("range: [-1, 1]", "range: [-0.1, 0.1]")],
             expected: ["recipe.yaml:8:35: simulator.options.cos_theta_resolution: expected a number in (0, 2] (the cos θ range), got 5"]),
        Case(name: "unknown drell-yan option", edits: [("name: wbf-higgs", "name: drell-yan\n  options: {sqrts: 91}"), ("name: fW\n", "name: dgV\n"),
                                                       ("name: fWW\n", "name: dgA\n"), ("range: [-1, 1]", "range: [-0.1, 0.1]")],
             expected: ["recipe.yaml:8:13: simulator.options.sqrts: unknown key \"sqrts\"; did you mean \"sqrt_s\"?"]),
        Case(name: "negative luminosity", edits: [("luminosity_inverse_femtobarn: 300", "luminosity_inverse_femtobarn: -300")],
             expected: ["recipe.yaml:25:33: inference.luminosity_inverse_femtobarn: expected a number > 0, got -300"]),
        Case(name: "expected events beside a rate", edits: [("luminosity_inverse_femtobarn: 300", "expected_events: 36")],
             expected: ["recipe.yaml:25:20: inference.expected_events: the rate term sets the expected events (σ(θ_true)·luminosity); drop expected_events or set include_rate: false"]),
        Case(name: "expected events zero", edits: [("luminosity_inverse_femtobarn: 300", "include_rate: false\n  expected_events: 0")],
             expected: ["recipe.yaml:23:25: inference.modes[2]: mode rate is the rate term alone; it needs include_rate: true",
                        "recipe.yaml:26:20: inference.expected_events: expected a number > 0, got 0"]),
        // validate refuses what fit would reject after training (fit's own checks, run before any compute).
        Case(name: "mode rate without the rate term", edits: [("luminosity_inverse_femtobarn: 300", "luminosity_inverse_femtobarn: 300\n  include_rate: false")],
             expected: ["recipe.yaml:23:25: inference.modes[2]: mode rate is the rate term alone; it needs include_rate: true"]),
        Case(name: "mode sallino without a sallino estimator", edits: [("modes: [truth, sally, rate]", "modes: [truth, sally, sallino]")],
             expected: ["recipe.yaml:23:25: inference.modes[2]: mode sallino needs an estimator with method sallino"]),
        // nuisance: one norm uncertainty validates (testNuisance_norm_decodes); these do not.
        Case(name: "nuisance of an unknown kind", edits: [("luminosity_inverse_femtobarn: 300", "luminosity_inverse_femtobarn: 300\nnuisance:\n  - {name: jes, kind: shape, uncertainty: 0.1}")],
             expected: ["recipe.yaml:27:23: nuisance[0].kind: unknown \"shape\"; expected one of norm, simulator, weights"]),
        Case(name: "nuisance named like a parameter", edits: [("luminosity_inverse_femtobarn: 300", "luminosity_inverse_femtobarn: 300\nnuisance:\n  - {name: fW, kind: norm, uncertainty: 0.1}")],
             expected: ["recipe.yaml:27:12: nuisance[0].name: \"fW\" is already the name of a parameter or nuisance parameter"]),
        Case(name: "norm nuisance without the rate term", edits: [("modes: [truth, sally, rate]", "modes: [truth, sally]"),
                                                                  ("luminosity_inverse_femtobarn: 300", "include_rate: false\nnuisance:\n  - {name: lumi, kind: norm, uncertainty: 0.1}")],
             expected: ["recipe.yaml:27:5: nuisance[0]: a norm uncertainty scales the expected events; it needs the rate term (a simulator with a cross section and include_rate: true)"]),
        Case(name: "nuisance uncertainty zero", edits: [("luminosity_inverse_femtobarn: 300", "luminosity_inverse_femtobarn: 300\nnuisance:\n  - {name: lumi, kind: norm, uncertainty: 0}")],
             expected: ["recipe.yaml:27:43: nuisance[0].uncertainty: expected a relative uncertainty in (0, 10], got 0"]),
        Case(name: "unknown theta_true benchmark", edits: [("theta_true: sm", "theta_true: bsm")],
             expected: ["recipe.yaml:24:15: inference.theta_true: unknown benchmark \"bsm\"; expected a list of numbers or one of the benchmarks sm"]),
    ]

    func testWeightedBase_isValid() throws {
        let recipe = try RecipeLoader.parse(Self.weightedBase, file: "recipe.yaml")
        XCTAssertEqual(recipe.morphing, RecipeMorphing(basis: .optimized, poolFactor: 4, proposal: nil))
        XCTAssertTrue(recipe.inference.includeRate)
    }

    func testNuisance_norm_decodes() throws {
        let text = Self.weightedBase.replacingOccurrences(of: "luminosity_inverse_femtobarn: 300",
                                                          with: "luminosity_inverse_femtobarn: 300\nnuisance:\n  - {name: lumi, kind: norm, uncertainty: 0.025}")
        let recipe = try RecipeLoader.parse(text, file: "recipe.yaml")
        XCTAssertEqual(recipe.nuisance, [RecipeNuisance(name: "lumi", kind: .norm, uncertainty: 0.025)])
        // Only the limits and plot stages depend on it.
        let plain = try RecipeLoader.parse(Self.weightedBase, file: "recipe.yaml")
        XCTAssertEqual(recipe.inputHash(for: .train), plain.inputHash(for: .train))
        XCTAssertNotEqual(recipe.inputHash(for: .limits), plain.inputHash(for: .limits))
    }

    func testMalformedWeightedRecipes_eachReportsItsExactLines() {
        for c in Self.weightedCases {
            do {
                _ = try RecipeLoader.parse(Self.text(of: c, base: Self.weightedBase), file: "recipe.yaml")
                XCTFail("case \(c.name): accepted")
            } catch let errors as RecipeErrors {
                XCTAssertEqual(errors.errors.map(\.description), c.expected, "case \(c.name)")
            } catch {
                XCTFail("case \(c.name): unexpected error \(error)")
            }
        }
    }

    /// Applies a case's edits to the base text.
    static func text(of c: Case, base: String = base) -> String {
        var text = base
        for (old, new) in c.edits {
            precondition(text.contains(old), "case \(c.name): the base recipe has no \"\(old)\"")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }

    func testBaseRecipe_isValid() throws {
        let recipe = try RecipeLoader.parse(Self.base, file: "recipe.yaml", folder: NSTemporaryDirectory())
        XCTAssertEqual(recipe.name, "base")
        XCTAssertEqual(recipe.estimators.first?.method, .carl)
    }

    func testMalformedRecipes_eachReportsItsExactLines() {
        XCTAssertGreaterThanOrEqual(Self.cases.count + Self.weightedCases.count, 40)
        for c in Self.cases {
            do {
                _ = try RecipeLoader.parse(Self.text(of: c), file: "recipe.yaml", folder: NSTemporaryDirectory())
                XCTFail("case \(c.name): accepted")
            } catch let errors as RecipeErrors {
                XCTAssertEqual(errors.errors.map(\.description), c.expected, "case \(c.name)")
                XCTAssertEqual(errors.exitCode, 1)
                XCTAssertTrue(errors.errors.allSatisfy { $0.kind == .data }, "case \(c.name)")
            } catch {
                XCTFail("case \(c.name): unexpected error \(error)")
            }
        }
    }
}
