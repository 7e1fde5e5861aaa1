/// Sorts finite doubles ascending by an LSD radix sort on their bit patterns (flipped so that
/// unsigned order is numeric order): six passes of 11 bits, skipping passes where every key
/// shares the digit. Ten million values sort in a fraction of the time a comparison sort takes,
/// and every test of a numerical column needs its values sorted.
enum RadixSort {
    static func sort(_ values: inout [Double]) {
        guard values.count > 4096 else { values.sort(); return }
        let n = values.count
        var keys = [UInt64](unsafeUninitializedCapacity: n) { buffer, count in
            values.withUnsafeBufferPointer { source in
                for i in 0..<n {
                    let bits = source[i].bitPattern
                    buffer[i] = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
                }
            }
            count = n
        }
        var scratch = [UInt64](repeating: 0, count: n)
        let radix = 11, buckets = 1 << 11, mask = UInt64(buckets - 1)
        // All six histograms in one read of the keys.
        var histograms = [Int](repeating: 0, count: 6 * buckets)
        keys.withUnsafeBufferPointer { source in
            histograms.withUnsafeMutableBufferPointer { counts in
                for key in source {
                    for pass in 0..<6 { counts[pass * buckets + Int((key >> UInt64(pass * radix)) & mask)] += 1 }
                }
            }
        }
        for pass in 0..<6 {
            let base = pass * buckets
            // A pass where one bucket holds everything would move nothing.
            if histograms[base..<(base + buckets)].contains(n) { continue }
            var offset = 0
            for bucket in 0..<buckets {
                let count = histograms[base + bucket]
                histograms[base + bucket] = offset
                offset += count
            }
            let shift = UInt64(pass * radix)
            keys.withUnsafeBufferPointer { source in
                scratch.withUnsafeMutableBufferPointer { target in
                    histograms.withUnsafeMutableBufferPointer { offsets in
                        for key in source {
                            let bucket = base + Int((key >> shift) & mask)
                            target[offsets[bucket]] = key
                            offsets[bucket] += 1
                        }
                    }
                }
            }
            swap(&keys, &scratch)
        }
        values.withUnsafeMutableBufferPointer { target in
            for i in 0..<n {
                let key = keys[i]
                target[i] = Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
            }
        }
    }
}
