#include "AutoencoderScoring.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define BULWARK_HAS_AVX2_PATH 1
#include <immintrin.h>
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

static inline float rootMeanSquare(const float lanes[8], int32_t inputs) {
    float total = lanes[0];
    for (int l = 1; l < 8; l++) total = total + lanes[l];
    return sqrtf(total / (float)inputs);
}

static float reconstructPortable(const bulwark_autoencoder_shape *shape, const float *parameters, const float *input, float *code, float *output) {
    const int32_t paddedHidden = shape->paddedHidden, paddedInputs = shape->paddedInputs;
    const float *encoder = parameters + shape->parameterOffset;
    const float *hiddenBias = encoder + (size_t)shape->inputs * paddedHidden;
    const float *decoder = hiddenBias + paddedHidden;
    const float *visibleBias = decoder + (size_t)shape->hidden * paddedInputs;
    const float *mask = visibleBias + paddedInputs;
    for (int32_t j = 0; j < paddedHidden; j++) {
        float sum = hiddenBias[j];
        for (int32_t i = 0; i < shape->inputs; i++) sum = sum + encoder[(size_t)i * paddedHidden + j] * input[i];
        code[j] = bulwark_sigmoid(sum);
    }
    float lanes[8] = {0};
    for (int32_t i = 0; i < paddedInputs; i++) {
        float sum = visibleBias[i];
        for (int32_t j = 0; j < shape->hidden; j++) sum = sum + decoder[(size_t)j * paddedInputs + i] * code[j];
        output[i] = bulwark_sigmoid(sum);
        float difference = (input[i] - output[i]) * mask[i];
        lanes[i % 8] = lanes[i % 8] + difference * difference;
    }
    return rootMeanSquare(lanes, shape->inputs);
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

/// Pre-activations of `rows` outputs, eight at a time: bias plus the weight rows scaled by `values[k]`, k < count.
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

BULWARK_AVX2 static inline void sigmoidInPlace(float *values, int32_t count) {
    for (int32_t block = 0; block < count; block += 8) _mm256_storeu_ps(values + block, sigmoid8(_mm256_loadu_ps(values + block)));
}

BULWARK_AVX2 static inline float rootMeanSquareAVX2(const float *input, const float *output, const float *mask, int32_t paddedInputs, int32_t inputs) {
    __m256 squares = _mm256_setzero_ps();
    for (int32_t block = 0; block < paddedInputs; block += 8) {
        __m256 difference = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(input + block), _mm256_loadu_ps(output + block)), _mm256_loadu_ps(mask + block));
        squares = _mm256_add_ps(squares, _mm256_mul_ps(difference, difference));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, squares);
    return rootMeanSquare(lanes, inputs);
}

/// The ensemble layer in phases across all members (every encoder, every hidden sigmoid, every decoder, every output
/// sigmoid) rather than member after member: each phase is a run of independent vector operations that the processor
/// overlaps, where one member alone would be a chain of dependent ones.
BULWARK_AVX2 static void ensembleErrorsAVX2(const bulwark_autoencoder_ensemble *ensemble, const float *input, float *code, float *output, float *errors) {
    const float *parameters = ensemble->parameters;
    int32_t inputAt = 0, hiddenAt = 0;
    for (int32_t member = 0; member < ensemble->members; member++) {
        const bulwark_autoencoder_shape *shape = &ensemble->shapes[member];
        const float *encoder = parameters + shape->parameterOffset;
        multiplyAdd(encoder + (size_t)shape->inputs * shape->paddedHidden, encoder, shape->paddedHidden, input + inputAt, shape->inputs, code + hiddenAt);
        inputAt += shape->paddedInputs;
        hiddenAt += shape->paddedHidden;
    }
    sigmoidInPlace(code, hiddenAt);
    inputAt = 0;
    hiddenAt = 0;
    for (int32_t member = 0; member < ensemble->members; member++) {
        const bulwark_autoencoder_shape *shape = &ensemble->shapes[member];
        const float *decoder = parameters + shape->parameterOffset + (size_t)(shape->inputs + 1) * shape->paddedHidden;
        multiplyAdd(decoder + (size_t)shape->hidden * shape->paddedInputs, decoder, shape->paddedInputs, code + hiddenAt, shape->hidden, output + inputAt);
        inputAt += shape->paddedInputs;
        hiddenAt += shape->paddedHidden;
    }
    sigmoidInPlace(output, inputAt);
    inputAt = 0;
    for (int32_t member = 0; member < ensemble->members; member++) {
        const bulwark_autoencoder_shape *shape = &ensemble->shapes[member];
        const float *mask = parameters + shape->parameterOffset + (size_t)(shape->inputs + 1) * shape->paddedHidden
            + (size_t)(shape->hidden + 1) * shape->paddedInputs;
        errors[member] = rootMeanSquareAVX2(input + inputAt, output + inputAt, mask, shape->paddedInputs, shape->inputs);
        inputAt += shape->paddedInputs;
    }
}

BULWARK_AVX2 static float reconstructAVX2(const bulwark_autoencoder_shape *shape, const float *parameters, const float *input, float *code, float *output) {
    const float *encoder = parameters + shape->parameterOffset;
    const float *hiddenBias = encoder + (size_t)shape->inputs * shape->paddedHidden;
    const float *decoder = hiddenBias + shape->paddedHidden;
    const float *visibleBias = decoder + (size_t)shape->hidden * shape->paddedInputs;
    const float *mask = visibleBias + shape->paddedInputs;
    multiplyAdd(hiddenBias, encoder, shape->paddedHidden, input, shape->inputs, code);
    sigmoidInPlace(code, shape->paddedHidden);
    multiplyAdd(visibleBias, decoder, shape->paddedInputs, code, shape->hidden, output);
    sigmoidInPlace(output, shape->paddedInputs);
    return rootMeanSquareAVX2(input, output, mask, shape->paddedInputs, shape->inputs);
}

static int hasAVX2(void) {
    // The processor cannot change under a running process; the first answer is kept (a benign race: every thread
    // stores the same value).
    static volatile int known = -1;
    int answer = known;
    if (answer < 0) {
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx2") ? 1 : 0;
        known = answer;
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

/// Scales one autoencoder's inputs into its padded slice of `input`.
static inline void scaleInputs(const bulwark_autoencoder_ensemble *ensemble, const bulwark_autoencoder_shape *shape, const double *values,
                               const int32_t *indices, float *input) {
    const int32_t slot = shape->slotOffset;
    for (int32_t i = 0; i < shape->inputs; i++) {
        double value = indices ? values[indices[slot + i]] : values[i];
        input[i] = scale(value, ensemble->inputMinimum[slot + i], ensemble->inputInverseSpan[slot + i]);
    }
    for (int32_t i = shape->inputs; i < shape->paddedInputs; i++) input[i] = 0;
}

double bulwark_ensemble_score(const bulwark_autoencoder_ensemble *ensemble, const double *features, bulwark_scoring_path path) {
    const int32_t members = ensemble->members;
    const bulwark_autoencoder_shape *outputShape = &ensemble->shapes[members];
    float input[ensemble->paddedInputs], code[ensemble->paddedHidden], output[ensemble->paddedInputs];
    float errors[outputShape->paddedInputs];
    double widened[outputShape->inputs];
    int32_t inputAt = 0;
    for (int32_t member = 0; member < members; member++) {
        scaleInputs(ensemble, &ensemble->shapes[member], features, ensemble->inputFeatures, input + inputAt);
        inputAt += ensemble->shapes[member].paddedInputs;
    }
#if BULWARK_HAS_AVX2_PATH
    if (path == bulwark_scoring_automatic && hasAVX2()) {
        ensembleErrorsAVX2(ensemble, input, code, output, errors);
        for (int32_t member = 0; member < members; member++) widened[member] = errors[member];
        scaleInputs(ensemble, outputShape, widened, NULL, input);
        return reconstructAVX2(outputShape, ensemble->parameters, input, code, output);
    }
#endif
    (void)path;
    inputAt = 0;
    int32_t hiddenAt = 0;
    for (int32_t member = 0; member < members; member++) {
        const bulwark_autoencoder_shape *shape = &ensemble->shapes[member];
        errors[member] = reconstructPortable(shape, ensemble->parameters, input + inputAt, code + hiddenAt, output + inputAt);
        inputAt += shape->paddedInputs;
        hiddenAt += shape->paddedHidden;
    }
    for (int32_t member = 0; member < members; member++) widened[member] = errors[member];
    scaleInputs(ensemble, outputShape, widened, NULL, input);
    return reconstructPortable(outputShape, ensemble->parameters, input, code, output);
}
