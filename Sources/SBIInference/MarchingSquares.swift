import SBICore

/// Contour lines of a field on a regular 2-D grid by marching squares.
///
/// ```
/// inside(v) = v ≥ level;  case = Σ_corner inside·2^corner (a=(i,j):1, b=(i+1,j):2, c=(i+1,j+1):4, d=(i,j+1):8)
/// edge point = p₁ + s (p₂ − p₁),  s = (level − v₁)/(v₂ − v₁)           (linear edge interpolation)
/// saddles (cases 5, 10): centre value (v_a+v_b+v_c+v_d)/4 ≥ level joins the inside corners
/// ```
/// Segments share edge points by edge identity, so they are joined into polylines exactly:
/// loops become closed paths, lines ending on the grid boundary open paths. NaN counts as outside.
/// Shapes: `values` `[xs.count · ys.count]`, x slow and y fast (the `ParameterGrid` C order).
///
/// [1] W. E. Lorensen, H. E. Cline, SIGGRAPH 1987 (the marching-cubes case table, here in 2-D).
public enum MarchingSquares {
    /// All contour paths of `values` at `level`.
    /// - Precondition: `values.count == xs.count·ys.count`, both axes with at least 2 points.
    public static func contours(xs: [Double], ys: [Double], values: [Double], level: Double) -> [ContourPath] {
        let nx = xs.count, ny = ys.count
        precondition(values.count == nx * ny, "MarchingSquares: \(values.count) values for a [\(nx), \(ny)] grid")
        precondition(nx >= 2 && ny >= 2, "MarchingSquares: grid [\(nx), \(ny)] needs at least 2 points per axis")
        @inline(__always) func v(_ i: Int, _ j: Int) -> Double { values[i * ny + j] }
        @inline(__always) func inside(_ x: Double) -> Bool { x >= level }   // false for NaN
        // Edge ids: x-edge from (i,j) to (i+1,j): 2(i·ny+j); y-edge from (i,j) to (i,j+1): 2(i·ny+j)+1.
        var points: [Int: (Double, Double)] = [:]
        func point(_ id: Int) -> (Double, Double) {
            if let p = points[id] { return p }
            let base = id / 2, i = base / ny, j = base % ny
            let (i2, j2) = id % 2 == 0 ? (i + 1, j) : (i, j + 1)
            let v1 = v(i, j), v2 = v(i2, j2)
            var s = (v1.isNaN || v2.isNaN || v1 == v2) ? 0.5 : (level - v1) / (v2 - v1)
            s = min(1, max(0, s))
            let p = (xs[i] + s * (xs[i2] - xs[i]), ys[j] + s * (ys[j2] - ys[j]))
            points[id] = p
            return p
        }
        var segments: [(Int, Int)] = []
        for i in 0..<(nx - 1) {
            for j in 0..<(ny - 1) {
                let a = v(i, j), b = v(i + 1, j), c = v(i + 1, j + 1), d = v(i, j + 1)
                let code = (inside(a) ? 1 : 0) | (inside(b) ? 2 : 0) | (inside(c) ? 4 : 0) | (inside(d) ? 8 : 0)
                if code == 0 || code == 15 { continue }
                let bottom = 2 * (i * ny + j), top = 2 * (i * ny + j + 1)
                let left = 2 * (i * ny + j) + 1, right = 2 * ((i + 1) * ny + j) + 1
                let centreInside = inside(0.25 * (a + b + c + d))
                switch code {
                case 1, 14: segments.append((left, bottom))
                case 2, 13: segments.append((bottom, right))
                case 3, 12: segments.append((left, right))
                case 4, 11: segments.append((right, top))
                case 6, 9: segments.append((bottom, top))
                case 7, 8: segments.append((left, top))
                case 5:
                    if centreInside { segments.append((bottom, right)); segments.append((top, left)) }
                    else { segments.append((left, bottom)); segments.append((right, top)) }
                case 10:
                    if centreInside { segments.append((left, bottom)); segments.append((right, top)) }
                    else { segments.append((bottom, right)); segments.append((top, left)) }
                default: break
                }
            }
        }
        return join(segments).map { ids in
            let closed = ids.count > 2 && ids.first == ids.last
            let body = closed ? Array(ids.dropLast()) : ids
            let pts = body.map(point)
            return ContourPath(xs: pts.map(\.0), ys: pts.map(\.1), closed: closed)
        }
    }

    /// Joins segments sharing end points into chains of edge ids (a closed chain repeats its first id).
    static func join(_ segments: [(Int, Int)]) -> [[Int]] {
        var incident: [Int: [Int]] = [:]
        for (k, s) in segments.enumerated() {
            incident[s.0, default: []].append(k)
            incident[s.1, default: []].append(k)
        }
        var used = [Bool](repeating: false, count: segments.count)
        func extend(_ chain: inout [Int]) {
            while let last = chain.last, let next = incident[last]?.first(where: { !used[$0] }) {
                used[next] = true
                let s = segments[next]
                chain.append(s.0 == last ? s.1 : s.0)
            }
        }
        var chains: [[Int]] = []
        for k in segments.indices where !used[k] {
            used[k] = true
            var forward = [segments[k].0, segments[k].1]
            extend(&forward)
            if forward.first != forward.last {
                var backward = [segments[k].0]
                extend(&backward)
                // backward runs from the start outwards; reverse it and drop the shared start.
                forward = backward.reversed() + forward.dropFirst()
            }
            chains.append(forward)
        }
        return chains
    }
}
