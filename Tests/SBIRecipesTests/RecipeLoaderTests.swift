import Foundation
import SBICore
import XCTest
@testable import SBIRecipes

/// The YAML reader, the shipped recipes, the starter recipe, defaults and the canonical hash.
final class RecipeLoaderTests: XCTestCase {
    /// Recipes/ of this package, found from this source file's path.
    private var recipesFolder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Recipes").path
    }

    func testYAMLReader_positionsAndStyles_keptForNodesAndKeys() throws {
        let doc = try YAMLReader().read("a:\n  b: \"1\"\n  c: [1, 'x']\n", file: "t.yaml")
        let root = try XCTUnwrap(doc.root)
        let entries = try XCTUnwrap(root["a"]?.entries)
        XCTAssertEqual(entries.map(\.key), ["b", "c"])
        XCTAssertEqual(entries[0].keyLine, 2)
        XCTAssertEqual(entries[0].keyColumn, 3)
        XCTAssertEqual(entries[0].value, YAMLNode(.scalar("1", .doubleQuoted), line: 2, column: 6))
        let c = try XCTUnwrap(entries[1].value.elements)
        XCTAssertEqual(c[0], YAMLNode(.scalar("1", .plain), line: 3, column: 7))
        XCTAssertEqual(c[1], YAMLNode(.scalar("x", .singleQuoted), line: 3, column: 10))
        XCTAssertTrue(doc.problems.isEmpty)
    }

    func testYAMLReader_aliasesWithinLimit_expandToTheAnchoredValue() throws {
        let doc = try YAMLReader().read("a: &x [1, 2]\nb: *x\n", file: "t.yaml")
        XCTAssertEqual(doc.root?["b"]?.elements?.compactMap(\.scalarText), ["1", "2"])
        XCTAssertEqual(doc.root?["b"]?.line, 2)
    }

    /// Nine levels of nine aliases would expand to 9⁹ ≈ 3.9e8 nodes; the reader must refuse it
    /// after a few hundred events, long before allocating the expansion (wall time < 1 s is a
    /// loose bound for about 100 events; the real cost is microseconds).
    func testYAMLReader_billionLaughs_failsFastWithClearError() throws {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let start = Date()
        XCTAssertThrowsError(try YAMLReader().read(text, file: "bomb.yaml")) { error in
            let e = error as? SBIError
            XCTAssertEqual(e?.file, "bomb.yaml")
            XCTAssertEqual(e?.line, 6)
            XCTAssertTrue(e?.message.hasPrefix("anchors and aliases expand to more than 100000 nodes") ?? false, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }

    func testYAMLReader_deepNesting_refused() {
        let text = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        XCTAssertThrowsError(try YAMLReader().read(text, file: "deep.yaml")) { error in
            XCTAssertEqual((error as? SBIError)?.message, "collections are nested more than 64 deep")
        }
    }

    func testYAMLReader_invalidUTF8_reportsPosition() {
        let bytes: [UInt8] = Array("a: 1\nb: ".utf8) + [0xff, 0x0a]
        XCTAssertThrowsError(try RecipeLoader.load(path: writeTemporary(bytes))) { error in
            let e = (error as? RecipeErrors)?.errors.first
            XCTAssertEqual(e?.line, 2)
            XCTAssertEqual(e?.column, 4)
            XCTAssertTrue(e?.message.hasPrefix("the file is not valid UTF-8 text") ?? false, "\(error)")
        }
    }

    private func writeTemporary(_ bytes: [UInt8]) -> String {
        let path = NSTemporaryDirectory() + "sbi-recipe-\(UUID().uuidString).yaml"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testShippedRecipes_allValidate() throws {
        for name in ["gaussian-quickstart", "drell-yan", "wbf-higgs"] {
            let recipe = try RecipeLoader.load(path: recipesFolder + "/\(name).yaml")
            XCTAssertEqual(recipe.name, name)
            XCTAssertEqual(recipe.outputs.files, RecipeOutputFile.allCases)
        }
        let wbf = try RecipeLoader.load(path: recipesFolder + "/wbf-higgs.yaml")
        XCTAssertEqual(wbf.inference.confidenceLevels, [0.68, 0.95, 0.997])
        XCTAssertEqual(wbf.inference.modes, [.truth, .ml, .sally, .idealSally])
        XCTAssertEqual(wbf.inference.luminosityInversePicobarn, 300_000)
        XCTAssertEqual(wbf.inference.data, .asimov(thetaTrue: [0, 0]))
        XCTAssertEqual(wbf.samples[0].theta1, .benchmark(name: "sm", theta: [0, 0]))
    }

    func testStarterRecipe_validates() throws {
        let recipe = try RecipeLoader.parse(StarterRecipe.text, file: "recipe.yaml")
        XCTAssertEqual(recipe.name, "my-analysis")
        XCTAssertEqual(recipe.inference.grid.points, [61])
    }

    /// Defaults are MadMiner's (Estimator.train: amsgrad, 50 epochs, batch 128, lr 1e-3 → 1e-4,
    /// validation 0.25, early stopping; one hidden layer of 100 tanh units; α = 1;
    /// sample_train_*: test_split 0.2) and seeds derive from the master seed.
    func testDefaults_followMadMinerAndDeriveSeeds() throws {
        let text = MalformedRecipeTests.base.replacingOccurrences(of: "    training:\n      epochs: 5\n", with: "")
        let r = try RecipeLoader.parse(text, file: "recipe.yaml")
        let e = try XCTUnwrap(r.estimators.first)
        XCTAssertEqual(e.training, RecipeTraining.withSeed(7 + 1001))
        XCTAssertEqual(e.hiddenLayers, [100])
        XCTAssertEqual(e.activation, .tanh)
        XCTAssertEqual(e.alpha, 1)
        XCTAssertEqual(e.ensemble, 1)
        XCTAssertEqual(r.samples[0].testSplit, 0.2)
        XCTAssertEqual(r.samples[0].validationSplit, 0)
        XCTAssertEqual(r.samples[0].seed, 8)
        XCTAssertEqual(r.inference.confidenceLevels, [0.68, 0.95])
        XCTAssertEqual(r.inference.asimovEvents, 100_000)
        XCTAssertTrue(r.inference.fisherInformation)
        XCTAssertFalse(r.inference.includeRate)
        XCTAssertEqual(r.inference.grid.ranges, [-3.0...3.0])
        XCTAssertEqual(r.morphing, nil)
    }

    /// The hash is of the validated model: comments, key order and spelled-out defaults do not
    /// change it; any value does.
    func testCanonicalHash_ignoresFormattingAndDefaults_changesWithValues() throws {
        let base = try RecipeLoader.parse(MalformedRecipeTests.base, file: "recipe.yaml")
        let reformatted = try RecipeLoader.parse("# comment\n" + MalformedRecipeTests.base
            .replacingOccurrences(of: "      epochs: 5", with: "      batch_size: 128   # the default\n      epochs: 5"), file: "other.yaml")
        XCTAssertEqual(base.canonicalHash, reformatted.canonicalHash)
        XCTAssertEqual(base.canonicalHash.count, 64)
        let changed = try RecipeLoader.parse(MalformedRecipeTests.base.replacingOccurrences(of: "epochs: 5", with: "epochs: 6"), file: "recipe.yaml")
        XCTAssertNotEqual(base.canonicalHash, changed.canonicalHash)
    }

    /// `inference.refine` and `outputs.cmenergies` are read, change the hash when given, and leave it alone when absent.
    func testRefineAndCentreOfMassEnergy_areReadAndHashedOnlyWhenGiven() throws {
        let base = try RecipeLoader.parse(MalformedRecipeTests.base, file: "recipe.yaml")
        XCTAssertNil(base.inference.refine)
        XCTAssertNil(base.outputs.cmEnergies)
        let given = try RecipeLoader.parse(MalformedRecipeTests.base.replacingOccurrences(of: "modes: [truth, ml]", with: "modes: [truth, ml]\n  refine: 3")
            .replacingOccurrences(of: "folder: out", with: "folder: out\n  cmenergies: 13000"), file: "recipe.yaml")
        XCTAssertEqual(given.inference.refine, 3)
        XCTAssertEqual(given.outputs.cmEnergies, 13000)
        XCTAssertNotEqual(given.canonicalHash, base.canonicalHash)
        XCTAssertNotEqual(given.inputHash(for: .limits), base.inputHash(for: .limits))
        XCTAssertEqual(given.inputHash(for: .train), base.inputHash(for: .train))
    }

    /// Fields added for new methods (a sample's `additional_thetas`, an estimator's `reference` and `blocks`)
    /// are left out of the canonical form when absent, so existing recipes keep their hash and `sbi fit` keeps
    /// their finished stages: the hash below is the one sbi printed for this recipe before those fields existed.
    func testCanonicalHash_ofAnOlderRecipe_isUnchangedByNewOptionalFields() throws {
        let base = try RecipeLoader.parse(MalformedRecipeTests.base, file: "recipe.yaml")
        XCTAssertEqual(base.canonicalHash, "4fe307c71d37bd32c841e5a7ee28d3ae5a085a7725945e0cc5bc72315df02744")
    }

    /// Where the shards run changes no result: the execution section is read but hashed nowhere.
    func testExecutionSection_isReadAndLeavesEveryHashAlone() throws {
        let base = try RecipeLoader.parse(MalformedRecipeTests.base, file: "recipe.yaml")
        let slurm = try RecipeLoader.parse(MalformedRecipeTests.base + """
            execution:
              executor: slurm
              slurm: {partition: short, time: 30, memory: 4G, cpus_per_task: 2, sbatch_args: [--qos=low], start_timeout: 600}

            """, file: "recipe.yaml")
        XCTAssertEqual(slurm.execution?.executor, "slurm")
        XCTAssertEqual(slurm.execution?.slurm, RecipeSlurm(partition: "short", account: nil, time: "30", memory: "4G", cpusPerTask: 2,
                                                           sbatchArguments: ["--qos=low"], startTimeout: 600))
        XCTAssertNil(base.execution)
        XCTAssertEqual(base.canonicalHash, slurm.canonicalHash)
        for stage in RecipeStage.allCases { XCTAssertEqual(base.inputHash(for: stage), slurm.inputHash(for: stage), "\(stage)") }
    }

    /// FIPS 180-2 appendix B test vectors (one block, two blocks, one million 'a').
    func testSHA256_knownVectors() {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testLoad_missingFile_throwsIOErrorNamingPath() {
        XCTAssertThrowsError(try RecipeLoader.load(path: "/nonexistent/recipe.yaml")) { error in
            XCTAssertEqual(error as? SBIError, SBIError.io("no such file", file: "/nonexistent/recipe.yaml"))
        }
    }
}

extension RecipeTraining {
    /// MadMiner's defaults with a seed.
    static func withSeed(_ seed: UInt64) -> RecipeTraining {
        var t = RecipeTraining()
        t.seed = seed
        return t
    }
}
