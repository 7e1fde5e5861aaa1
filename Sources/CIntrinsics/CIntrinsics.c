/* The prefetch and the byte compare are in include/CIntrinsics.h, inlined where called. */
#include "CIntrinsics.h"
#include <math.h>

/* No multiply fused into an add: the sums must round as Swift's do, step by step. */
#pragma STDC FP_CONTRACT OFF

/* Neumaier's compensated sum, as Swift's CompensatedSum adds. */
static inline void add_compensated(double *sum, double *compensation, double value) {
    double t = *sum + value;
    if (fabs(*sum) >= fabs(value)) *compensation += (*sum - t) + value;
    else *compensation += (value - t) + *sum;
    *sum = t;
}

/* The first index from `start` whose value is above x (values ascending): up to 64 values
   stepped over one by one, a longer run of ties crossed by galloping, then halving back. */
static inline long past_run(const double *values, long count, long start, double x) {
    long low = start, near = start + 64 < count ? start + 64 : count;
    while (low < near) {
        if (values[low] > x) return low;
        low++;
    }
    if (low >= count || values[low] > x) return low;
    long step = 1;
    while (low + step < count && values[low + step] <= x) {
        low += step;
        step *= 2;
    }
    long high = low + step < count ? low + step : count;
    while (high - low > 1) {
        long middle = low + (high - low) / 2;
        if (values[middle] <= x) low = middle; else high = middle;
    }
    return high;
}

double gate_wasserstein_sorted(const double *u, long nu, const double *v, long nv) {
    const double su = (double)nu, sv = (double)nv;
    long i = 0, j = 0;
    double fu = 0, fv = 0, sum = 0, compensation = 0;
    double previous = v[0] < u[0] ? v[0] : u[0];
    while (i < nu || j < nv) {
        double a = i < nu ? u[i] : INFINITY, b = j < nv ? v[j] : INFINITY;
        double x = b < a ? b : a;
        add_compensated(&sum, &compensation, fabs(fu - fv) * (x - previous));
        /* Past x in each sample: one value, the usual case, without a branch; a run of ties
           by past_run. */
        i += a <= x;
        j += b <= x;
        if (i < nu && u[i] <= x) i = past_run(u, nu, i + 1, x);
        if (j < nv && v[j] <= x) j = past_run(v, nv, j + 1, x);
        fu = (double)i / su;
        fv = (double)j / sv;
        previous = x;
    }
    return isfinite(sum) ? sum + compensation : sum;
}
