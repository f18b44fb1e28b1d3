#include "AutoencoderScoring.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define BULWARK_HAS_AVX2_PATH 1
#include <immintrin.h>
#include <stdatomic.h>
#else
#define BULWARK_HAS_AVX2_PATH 0
#endif

// Both paths must round identically: no fused multiply-adds anywhere, each product is rounded before its sum.
#pragma STDC FP_CONTRACT OFF

// exp(t) = 2^n · e^r with n = ⌊t·log2(e) + ½⌋ and r = t − n·ln 2, |r| ≤ ln(2)/2. ln 2 is split so that n·ln2High is exact
// for |n| < 2^15 (ln2High = 355/512 has nine significant bits) and r keeps full precision.
static const float log2OfE = 1.44269504088896341f;
static const float ln2High = 0.693359375f;
static const float ln2Low = -2.12194440054690583e-4f;
// Beyond ±80 the sigmoid is saturated (1/(1 + e^80) < 2e−35) and 2^n stays a normal float.
static const float exponentLimit = 80.0f;
// Taylor coefficients 1/k! of e^r to degree 7: the remainder r^8/8! is below 5.3e−9 for |r| ≤ ln(2)/2, under a
// twentieth of a float's rounding step, so the error is rounding alone. Measured against the double-precision sigmoid
// of the same float input over [−80, 80] in steps of 1e−4: at most 1.5e−7 relative and 9e−8 absolute error; beyond
// ±80 the result is that at ±80, within 2e−35 of the true value.
static const float inverseFactorial2 = 1.0f / 2.0f;
static const float inverseFactorial3 = 1.0f / 6.0f;
static const float inverseFactorial4 = 1.0f / 24.0f;
static const float inverseFactorial5 = 1.0f / 120.0f;
static const float inverseFactorial6 = 1.0f / 720.0f;
static const float inverseFactorial7 = 1.0f / 5040.0f;
// Scaled inputs are clamped here so that no product with a weight overflows a float; the sigmoid is long saturated.
static const double scaledLimit = 1e18;

/// The same comparison as the x86 min/max instructions, NaN included (they return the second operand).
static inline float smaller(float a, float b) { return a < b ? a : b; }
static inline float larger(float a, float b) { return a > b ? a : b; }

/// ⌊v⌋ for |v| < 2^31, exactly as `floorf`, without the library call that baseline x86-64 (no SSE4.1) would make.
static inline float floorSmall(float v) {
    float truncated = (float)(int32_t)v;
    return truncated > v ? truncated - 1.0f : truncated;
}

float bulwark_sigmoid(float x) {
    float t = 0.0f - x;
    t = smaller(larger(t, -exponentLimit), exponentLimit);
    float n = floorSmall(t * log2OfE + 0.5f);
    float r = t - n * ln2High;
    r = r - n * ln2Low;
    float p = inverseFactorial7;
    p = p * r + inverseFactorial6;
    p = p * r + inverseFactorial5;
    p = p * r + inverseFactorial4;
    p = p * r + inverseFactorial3;
    p = p * r + inverseFactorial2;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float power;
    memcpy(&power, &bits, sizeof power);
    float e = p * power;
    return 1.0f / (1.0f + e);
}

/// Scaling by the training range happens in double precision (features such as byte counts and variances are large,
/// and their differences would lose digits in float), shared by both paths. It multiplies by the span's reciprocal: a
/// division costs several times as much and differs by at most a double rounding step, far below a float's.
static inline float scale(double value, double minimum, double inverseSpan) {
    double scaled = (value - minimum) * inverseSpan;
    scaled = scaled > scaledLimit ? scaledLimit : scaled < -scaledLimit ? -scaledLimit : scaled;
    return (float)scaled;
}

/// RMSE over one autoencoder's inputs, summed in input order (the same order on both paths).
static inline float rootMeanSquare(const float *input, const float *output, int32_t inputs) {
    float total = 0;
    for (int32_t i = 0; i < inputs; i++) {
        float difference = input[i] - output[i];
        total = total + difference * difference;
    }
    return sqrtf(total / (float)inputs);
}

static inline const float *encoderOf(const bulwark_autoencoder_ensemble *ensemble, const bulwark_autoencoder_shape *shape) {
    return ensemble->parameters + shape->parameterOffset;
}
static inline const float *hiddenBiasOf(const bulwark_autoencoder_ensemble *ensemble, const bulwark_autoencoder_shape *shape) {
    return encoderOf(ensemble, shape) + (size_t)shape->inputs * shape->paddedHidden;
}
static inline const float *decoderOf(const bulwark_autoencoder_ensemble *ensemble, const bulwark_autoencoder_shape *shape) {
    return hiddenBiasOf(ensemble, shape) + shape->paddedHidden;
}
static inline const float *visibleBiasOf(const bulwark_autoencoder_ensemble *ensemble, const bulwark_autoencoder_shape *shape) {
    return decoderOf(ensemble, shape) + (size_t)shape->hidden * shape->paddedInputs;
}

/// One autoencoder's reconstruction error, unit by unit.
static float reconstructPortable(const bulwark_autoencoder_ensemble *ensemble, const bulwark_autoencoder_shape *shape, const float *input,
                                 float *code, float *output) {
    const int32_t paddedHidden = shape->paddedHidden, paddedInputs = shape->paddedInputs;
    const float *encoder = encoderOf(ensemble, shape), *hiddenBias = hiddenBiasOf(ensemble, shape);
    const float *decoder = decoderOf(ensemble, shape), *visibleBias = visibleBiasOf(ensemble, shape);
    for (int32_t j = 0; j < shape->hidden; j++) {
        float sum = hiddenBias[j];
        for (int32_t i = 0; i < shape->inputs; i++) sum = sum + encoder[(size_t)i * paddedHidden + j] * input[i];
        code[j] = bulwark_sigmoid(sum);
    }
    for (int32_t i = 0; i < shape->inputs; i++) {
        float sum = visibleBias[i];
        for (int32_t j = 0; j < shape->hidden; j++) sum = sum + decoder[(size_t)j * paddedInputs + i] * code[j];
        output[i] = bulwark_sigmoid(sum);
    }
    return rootMeanSquare(input, output, shape->inputs);
}

#if BULWARK_HAS_AVX2_PATH
#define BULWARK_AVX2 __attribute__((target("avx2")))

/// Eight sigmoids: the portable `bulwark_sigmoid`, operation for operation.
BULWARK_AVX2 static inline __m256 sigmoid8(__m256 x) {
    __m256 t = _mm256_sub_ps(_mm256_setzero_ps(), x);
    t = _mm256_min_ps(_mm256_max_ps(t, _mm256_set1_ps(-exponentLimit)), _mm256_set1_ps(exponentLimit));
    __m256 n = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(t, _mm256_set1_ps(log2OfE)), _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_sub_ps(t, _mm256_mul_ps(n, _mm256_set1_ps(ln2High)));
    r = _mm256_sub_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(ln2Low)));
    __m256 p = _mm256_set1_ps(inverseFactorial7);
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(inverseFactorial6));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(inverseFactorial5));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(inverseFactorial4));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(inverseFactorial3));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(inverseFactorial2));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.0f));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 e = _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/// Pre-activations of `width` units (a multiple of 8), eight at a time: bias plus the weight rows scaled by
/// `values[k]`, k < count. Units past the model's own are computed from zero weights and written too.
BULWARK_AVX2 static inline void multiplyAdd(const float *bias, const float *rows, int32_t width, const float *values, int32_t count, float *sums) {
    for (int32_t block = 0; block < width; block += 8) {
        __m256 sum = _mm256_loadu_ps(bias + block);
        for (int32_t k = 0; k < count; k++) {
            __m256 product = _mm256_mul_ps(_mm256_loadu_ps(rows + (size_t)k * width + block), _mm256_set1_ps(values[k]));
            sum = _mm256_add_ps(sum, product);
        }
        _mm256_storeu_ps(sums + block, sum);
    }
}

/// Sigmoids of `count` packed values, in place; the values up to the next multiple of 8 must be writable.
BULWARK_AVX2 static inline void sigmoidInPlace(float *values, int32_t count) {
    _mm256_storeu_ps(values + count, _mm256_setzero_ps());
    for (int32_t block = 0; block < count; block += 8) _mm256_storeu_ps(values + block, sigmoid8(_mm256_loadu_ps(values + block)));
}

/// The ensemble layer in phases across all members (every encoder, every hidden sigmoid, every decoder, every output
/// sigmoid) rather than member after member: each phase is a run of independent vector operations that the processor
/// overlaps, where one member alone would be a chain of dependent ones. Units are packed member after member without
/// padding, so the sigmoids run over 8-lane blocks that are all in use (a member's padding lanes, written by its
/// store, are overwritten by the next member's).
BULWARK_AVX2 static void ensembleErrorsAVX2(const bulwark_autoencoder_ensemble *ensemble, const float *input, float *code, float *output,
                                            float *errors) {
    int32_t inputAt = 0, hiddenAt = 0;
    for (int32_t member = 0; member < ensemble->members; member++) {
        const bulwark_autoencoder_shape *shape = &ensemble->shapes[member];
        multiplyAdd(hiddenBiasOf(ensemble, shape), encoderOf(ensemble, shape), shape->paddedHidden, input + inputAt, shape->inputs, code + hiddenAt);
        inputAt += shape->inputs;
        hiddenAt += shape->hidden;
    }
    sigmoidInPlace(code, hiddenAt);
    inputAt = 0;
    hiddenAt = 0;
    for (int32_t member = 0; member < ensemble->members; member++) {
        const bulwark_autoencoder_shape *shape = &ensemble->shapes[member];
        multiplyAdd(visibleBiasOf(ensemble, shape), decoderOf(ensemble, shape), shape->paddedInputs, code + hiddenAt, shape->hidden,
                    output + inputAt);
        inputAt += shape->inputs;
        hiddenAt += shape->hidden;
    }
    sigmoidInPlace(output, inputAt);
    inputAt = 0;
    for (int32_t member = 0; member < ensemble->members; member++) {
        const int32_t inputs = ensemble->shapes[member].inputs;
        errors[member] = rootMeanSquare(input + inputAt, output + inputAt, inputs);
        inputAt += inputs;
    }
}

BULWARK_AVX2 static float reconstructAVX2(const bulwark_autoencoder_ensemble *ensemble, const bulwark_autoencoder_shape *shape, const float *input,
                                          float *code, float *output) {
    multiplyAdd(hiddenBiasOf(ensemble, shape), encoderOf(ensemble, shape), shape->paddedHidden, input, shape->inputs, code);
    sigmoidInPlace(code, shape->hidden);
    multiplyAdd(visibleBiasOf(ensemble, shape), decoderOf(ensemble, shape), shape->paddedInputs, code, shape->hidden, output);
    sigmoidInPlace(output, shape->inputs);
    return rootMeanSquare(input, output, shape->inputs);
}

static int hasAVX2(void) {
    // The processor cannot change under a running process, so the first answer is kept. Threads racing on the first
    // call each compute and store the same value; relaxed atomics make that race well defined.
    static _Atomic int known = -1;
    int answer = atomic_load_explicit(&known, memory_order_relaxed);
    if (answer < 0) {
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx2") ? 1 : 0;
        atomic_store_explicit(&known, answer, memory_order_relaxed);
    }
    return answer;
}
#endif

int bulwark_scoring_has_vector_path(void) {
#if BULWARK_HAS_AVX2_PATH
    return hasAVX2();
#else
    return 0;
#endif
}

/// Scales one autoencoder's inputs into `input`: `values[indices[slot]]` for the ensemble, `values[i]` for the output
/// autoencoder (indices NULL).
static inline void scaleInputs(const bulwark_autoencoder_ensemble *ensemble, const bulwark_autoencoder_shape *shape, const double *values,
                               const int32_t *indices, float *input) {
    const int32_t slot = shape->slotOffset;
    for (int32_t i = 0; i < shape->inputs; i++) {
        double value = indices ? values[indices[slot + i]] : values[i];
        input[i] = scale(value, ensemble->inputMinimum[slot + i], ensemble->inputInverseSpan[slot + i]);
    }
}

double bulwark_ensemble_score(const bulwark_autoencoder_ensemble *ensemble, const double *features, bulwark_scoring_path path) {
    const int32_t members = ensemble->members;
    const bulwark_autoencoder_shape *outputShape = &ensemble->shapes[members];
    // Packed units need at most the padded total: every member's padding is at least the slack one store writes past
    // the packed end, and the output autoencoder's share (at least 8) covers the last.
    float input[ensemble->paddedInputs], code[ensemble->paddedHidden], output[ensemble->paddedInputs];
    float errors[members];
    double widened[members];
    int32_t inputAt = 0;
    for (int32_t member = 0; member < members; member++) {
        scaleInputs(ensemble, &ensemble->shapes[member], features, ensemble->inputFeatures, input + inputAt);
        inputAt += ensemble->shapes[member].inputs;
    }
    int vector = 0;
#if BULWARK_HAS_AVX2_PATH
    vector = path == bulwark_scoring_automatic && hasAVX2();
    if (vector) ensembleErrorsAVX2(ensemble, input, code, output, errors);
#endif
    (void)path;
    if (!vector) {
        inputAt = 0;
        for (int32_t member = 0; member < members; member++) {
            const bulwark_autoencoder_shape *shape = &ensemble->shapes[member];
            errors[member] = reconstructPortable(ensemble, shape, input + inputAt, code, output);
            inputAt += shape->inputs;
        }
    }
    for (int32_t member = 0; member < members; member++) widened[member] = errors[member];
    scaleInputs(ensemble, outputShape, widened, NULL, input);
#if BULWARK_HAS_AVX2_PATH
    if (vector) return reconstructAVX2(ensemble, outputShape, input, code, output);
#endif
    return reconstructPortable(ensemble, outputShape, input, code, output);
}
