/// Collaborative filtering from implicit feedback: alternating least squares as Hu, Koren and
/// Volinsky define it ("Collaborative Filtering for Implicit Feedback Datasets", 2008), each
/// half-step solved with a few conjugate-gradient steps warm-started from the previous factors
/// (Takács, Pilászy and Tikk, 2011) — the method the `implicit` library uses by default.
///
/// With preference p_ui = 1 where user u interacted with item i (else 0) and confidence
/// c_ui = 1 + α·r_ui (r_ui: the weighted interaction count; 1 where there is none), training
/// minimises
///
///     L = Σ_u Σ_i c_ui (p_ui − x_u·y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²)
///
/// over all user–item pairs, observed or not. Each user's factors solve
/// (YᵀY + λI + Σ_{i∈I(u)} (c_ui − 1) y_i y_iᵀ) x_u = Σ_{i∈I(u)} c_ui y_i, and likewise for items;
/// YᵀY is shared, so a user costs O(|I(u)|·f + f²) per CG step rather than O(n·f²).
public struct ImplicitALS: Sendable {
    public struct Parameters: Sendable, Equatable {
        public var factors: Int
        public var regularization: Float
        public var alpha: Float
        public var iterations: Int
        public var conjugateGradientSteps: Int
        public var seed: UInt64

        public init(factors: Int = 64, regularization: Float = 0.01, alpha: Float = 1, iterations: Int = 15,
                    conjugateGradientSteps: Int = 3, seed: UInt64 = 42) {
            (self.factors, self.regularization, self.alpha, self.iterations) = (factors, regularization, alpha, iterations)
            (self.conjugateGradientSteps, self.seed) = (conjugateGradientSteps, seed)
        }
    }

    public let parameters: Parameters
    public let users: Int
    public let items: Int
    /// Row-major, `users × factors` and `items × factors`.
    public private(set) var userFactors: [Float]
    public private(set) var itemFactors: [Float]
    /// The loss after each iteration.
    public private(set) var losses: [Double] = []
    /// How long `train` took, loss computation excluded (zero for loaded factors).
    public private(set) var trainingTime: Duration = .zero

    public init(parameters: Parameters, users: Int, items: Int, userFactors: [Float], itemFactors: [Float], losses: [Double] = []) {
        (self.parameters, self.users, self.items) = (parameters, users, items)
        (self.userFactors, self.itemFactors, self.losses) = (userFactors, itemFactors, losses)
    }

    /// Trains on `matrix` (users × items of r_ui). Item factors start small and random (seeded),
    /// user factors at zero, so the first half-step solves users against random items.
    public static func train(_ matrix: SparseMatrix, parameters: Parameters) -> ImplicitALS {
        let f = parameters.factors
        var random = SplitMix64(seed: parameters.seed)
        let scale = 1 / Float(f).squareRoot()
        let itemFactors = (0..<(matrix.columns * f)).map { _ in Float(random.nextUnit()) * scale }
        var model = ImplicitALS(parameters: parameters, users: matrix.rows, items: matrix.columns,
                                userFactors: Array(repeating: 0, count: matrix.rows * f), itemFactors: itemFactors)
        let clock = ContinuousClock()
        let start = clock.now
        var lossTime = Duration.zero
        let transposed = matrix.transposed()
        for _ in 0..<parameters.iterations {
            model.solve(users: true, matrix)
            model.solve(users: false, transposed)
            let lossStart = clock.now
            model.losses.append(model.loss(matrix))
            lossTime += clock.now - lossStart
        }
        model.trainingTime = clock.now - start - lossTime
        return model
    }

    /// One half-step: the rows of `matrix` are the side being solved (users, or items with the
    /// transposed matrix), its columns index the fixed side.
    mutating func solve(users solvingUsers: Bool, _ matrix: SparseMatrix) {
        let f = parameters.factors
        let fixed = solvingUsers ? itemFactors : userFactors
        var solved = solvingUsers ? userFactors : itemFactors
        let gram = Self.gram(fixed, count: matrix.columns, factors: f, regularization: parameters.regularization)
        let alpha = parameters.alpha
        let steps = parameters.conjugateGradientSteps
        fixed.withUnsafeBufferPointer { fixedBuffer in
        gram.withUnsafeBufferPointer { gramBuffer in
        solved.withUnsafeMutableBufferPointer { solvedBuffer in
            let Y = fixedBuffer.baseAddress!, A = gramBuffer.baseAddress!
            let r = UnsafeMutablePointer<Float>.allocate(capacity: f)
            let p = UnsafeMutablePointer<Float>.allocate(capacity: f)
            let ap = UnsafeMutablePointer<Float>.allocate(capacity: f)
            defer { r.deallocate(); p.deallocate(); ap.deallocate() }
            for row in 0..<matrix.rows {
                let x = solvedBuffer.baseAddress! + row * f
                let range = matrix.rowStarts[row]..<matrix.rowStarts[row + 1]
                // r = b − A x = Σ c·y − (YᵀY + λI) x − Σ (c − 1)(y·x) y
                Self.multiply(A, x, into: r, f)
                for k in 0..<f { r[k] = -r[k] }
                for index in range {
                    let y = Y + matrix.columnIndices[index] * f
                    let confidence = 1 + alpha * matrix.values[index]
                    let weight = confidence - (confidence - 1) * Self.dot(y, x, f)
                    Self.axpy(weight, y, r, f)
                }
                p.update(from: r, count: f)
                var rsOld = Self.dot(r, r, f)
                if rsOld < 1e-20 { continue }
                for _ in 0..<steps {
                    Self.multiply(A, p, into: ap, f)
                    for index in range {
                        let y = Y + matrix.columnIndices[index] * f
                        let confidence = 1 + alpha * matrix.values[index]
                        let weight = (confidence - 1) * Self.dot(y, p, f)
                        Self.axpy(weight, y, ap, f)
                    }
                    let step = rsOld / Self.dot(p, ap, f)
                    Self.axpy(step, p, x, f)
                    Self.axpy(-step, ap, r, f)
                    let rsNew = Self.dot(r, r, f)
                    if rsNew < 1e-20 { break }
                    let ratio = rsNew / rsOld
                    for k in 0..<f { p[k] = r[k] + ratio * p[k] }  // vectorised by the compiler: no reduction
                    rsOld = rsNew
                }
            }
        }
        }
        }
        if solvingUsers { userFactors = solved } else { itemFactors = solved }
    }

    /// L as defined above, computed without visiting unobserved pairs: Σ over all pairs of
    /// (x·y)² is Σ_u x_uᵀ (YᵀY) x_u, and observed pairs correct it.
    public func loss(_ matrix: SparseMatrix) -> Double {
        let f = parameters.factors
        let gram = Self.gram(itemFactors, count: items, factors: f, regularization: 0)
        var total = 0.0
        var scratch = [Float](repeating: 0, count: f)
        userFactors.withUnsafeBufferPointer { X in
        itemFactors.withUnsafeBufferPointer { Y in
        gram.withUnsafeBufferPointer { G in
        scratch.withUnsafeMutableBufferPointer { s in
            for user in 0..<users {
                let x = X.baseAddress! + user * f
                Self.multiply(G.baseAddress!, x, into: s.baseAddress!, f)
                total += Double(Self.dot(x, s.baseAddress!, f))
                for index in matrix.rowStarts[user]..<matrix.rowStarts[user + 1] {
                    let prediction = Double(Self.dot(x, Y.baseAddress! + matrix.columnIndices[index] * f, f))
                    let confidence = 1 + Double(parameters.alpha) * Double(matrix.values[index])
                    total += confidence * (1 - prediction) * (1 - prediction) - prediction * prediction
                }
            }
        }
        }
        }
        }
        let norms = userFactors.reduce(0.0) { $0 + Double($1 * $1) } + itemFactors.reduce(0.0) { $0 + Double($1 * $1) }
        return total + Double(parameters.regularization) * norms
    }

    /// x_u · y_i for every item: the user's predicted preferences.
    public func scores(user: Int) -> [Float] {
        let f = parameters.factors
        return userFactors.withUnsafeBufferPointer { X in
            itemFactors.withUnsafeBufferPointer { Y in
                (0..<items).map { Self.dot(X.baseAddress! + user * f, Y.baseAddress! + $0 * f, f) }
            }
        }
    }

    /// x_u · y_i for one pair.
    public func score(user: Int, item: Int) -> Float {
        let f = parameters.factors
        return userFactors.withUnsafeBufferPointer { X in
            itemFactors.withUnsafeBufferPointer { Y in Self.dot(X.baseAddress! + user * f, Y.baseAddress! + item * f, f) }
        }
    }

    /// YᵀY + λI (f × f, row-major).
    static func gram(_ factors: [Float], count: Int, factors f: Int, regularization: Float) -> [Float] {
        var gram = [Float](repeating: 0, count: f * f)
        factors.withUnsafeBufferPointer { Y in
            gram.withUnsafeMutableBufferPointer { G in
                for row in 0..<count {
                    let y = Y.baseAddress! + row * f
                    for a in 0..<f { axpy(y[a], y, G.baseAddress! + a * f, f) }
                }
            }
        }
        for a in 0..<f { gram[a * f + a] += regularization }
        return gram
    }

    /// a · b, eight lanes at a time (the compiler will not reorder a float sum by itself).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b)
        var first = SIMD8<Float>(), second = SIMD8<Float>()
        var k = 0
        while k + 16 <= count {
            first += x.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self) * y.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
            second += x.loadUnaligned(fromByteOffset: 4 * k + 32, as: SIMD8<Float>.self) * y.loadUnaligned(fromByteOffset: 4 * k + 32, as: SIMD8<Float>.self)
            k += 16
        }
        if k + 8 <= count {
            first += x.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self) * y.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
            k += 8
        }
        var sum = (first + second).sum()
        while k < count {
            sum += a[k] * b[k]
            k += 1
        }
        return sum
    }

    /// y += scale · x.
    @inline(__always)
    static func axpy(_ scale: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        let source = UnsafeRawPointer(x), target = UnsafeMutableRawPointer(y)
        let factor = SIMD8<Float>(repeating: scale)
        var k = 0
        while k + 8 <= count {
            let sum = target.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
                + factor * source.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
            target.storeBytes(of: sum, toByteOffset: 4 * k, as: SIMD8<Float>.self)
            k += 8
        }
        while k < count {
            y[k] += scale * x[k]
            k += 1
        }
    }

    /// out = M v for a symmetric f × f matrix, as a sum of M's rows scaled by v.
    @inline(__always)
    static func multiply(_ m: UnsafePointer<Float>, _ v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ f: Int) {
        out.update(repeating: 0, count: f)
        for row in 0..<f { axpy(v[row], m + row * f, out, f) }
    }
}

/// A sparse matrix in compressed sparse row form: row r's entries are
/// `columnIndices[rowStarts[r]..<rowStarts[r+1]]` with `values` beside them, columns ascending.
public struct SparseMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let rowStarts: [Int]
    public let columnIndices: [Int]
    public let values: [Float]

    /// From (row, column, value) triples; repeated cells add up.
    public init(rows: Int, columns: Int, entries: [(row: Int, column: Int, value: Float)]) {
        let sorted = entries.sorted { $0.row != $1.row ? $0.row < $1.row : $0.column < $1.column }
        var starts = [Int](repeating: 0, count: rows + 1)
        var indices: [Int] = []
        var values: [Float] = []
        indices.reserveCapacity(sorted.count)
        values.reserveCapacity(sorted.count)
        var previous: (Int, Int)?
        for entry in sorted {
            if let previous, previous == (entry.row, entry.column) {
                values[values.count - 1] += entry.value
                continue
            }
            previous = (entry.row, entry.column)
            indices.append(entry.column)
            values.append(entry.value)
            starts[entry.row + 1] += 1
        }
        for row in 0..<rows { starts[row + 1] += starts[row] }
        (self.rows, self.columns, rowStarts, columnIndices, self.values) = (rows, columns, starts, indices, values)
    }

    public func transposed() -> SparseMatrix {
        var entries: [(row: Int, column: Int, value: Float)] = []
        entries.reserveCapacity(values.count)
        for row in 0..<rows {
            for index in rowStarts[row]..<rowStarts[row + 1] { entries.append((columnIndices[index], row, values[index])) }
        }
        return SparseMatrix(rows: columns, columns: rows, entries: entries)
    }

    /// The columns of one row.
    public func columns(of row: Int) -> ArraySlice<Int> {
        columnIndices[rowStarts[row]..<rowStarts[row + 1]]
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64), so training is
/// reproducible run to run and machine to machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
