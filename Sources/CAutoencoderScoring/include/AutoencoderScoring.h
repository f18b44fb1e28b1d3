#ifndef BULWARK_AUTOENCODER_SCORING_H
#define BULWARK_AUTOENCODER_SCORING_H

#include <stdint.h>

/// Scoring of a trained Kitsune-style autoencoder ensemble in single precision, with an AVX2 path chosen at run time
/// and a portable path that performs the same operations in the same order, so both give the same score to the bit.

/// Where one autoencoder sits in the ensemble's parameter block.
///
/// Weight rows are padded to multiples of 8 floats (one AVX2 register); padding weights and biases are zero, and the
/// units they compute are never read, so they never change a score.
typedef struct {
    int32_t inputs;
    int32_t hidden;
    int32_t paddedInputs;
    int32_t paddedHidden;
    /// Float offset of its parameters, laid out as: encoder rows (inputs × paddedHidden, row i holds the weights from
    /// input i), hidden bias (paddedHidden), decoder rows (hidden × paddedInputs, row j holds the same weights from
    /// hidden unit j, the transpose), visible bias (paddedInputs).
    int32_t parameterOffset;
    /// Index of its first input in the scaling tables.
    int32_t slotOffset;
} bulwark_autoencoder_shape;

typedef struct {
    /// Autoencoders of the ensemble layer; `shapes` holds one more, the output autoencoder, last.
    int32_t members;
    /// Padded inputs and padded hidden units of all autoencoders together, output autoencoder included: the sizes of
    /// the kernel's working buffers.
    int32_t paddedInputs;
    int32_t paddedHidden;
    const bulwark_autoencoder_shape *shapes;
    const float *parameters;
    /// Feature index of each ensemble input, member after member.
    const int32_t *inputFeatures;
    /// Per input slot (the ensemble's inputs, then the output autoencoder's): the training minimum, and 1/span
    /// (1/(maximum − minimum)), which is 0 where the input was constant or never seen, scaling it to 0.
    const double *inputMinimum;
    const double *inputInverseSpan;
} bulwark_autoencoder_ensemble;

typedef enum {
    /// The fastest path this processor supports.
    bulwark_scoring_automatic = 0,
    /// Plain C, on any processor.
    bulwark_scoring_portable = 1,
} bulwark_scoring_path;

/// The output autoencoder's reconstruction error (RMSE) for one packet's features.
double bulwark_ensemble_score(const bulwark_autoencoder_ensemble *ensemble, const double *features, bulwark_scoring_path path);

/// 1/(1 + e^−x) as the scorer computes it (the portable path), for measuring its error.
float bulwark_sigmoid(float x);

/// Whether `bulwark_scoring_automatic` runs the AVX2 path on this processor.
int bulwark_scoring_has_vector_path(void);

#endif
