/*
 * codec.c - the chunk codec of codec.h: encode, inspect, decode, stream and
 * aggregate one chunk of a time series, and the CRC-32C that guards it.
 *
 * The byte format is specified in docs/series-codec.md; in short:
 *
 *   header (80 bytes, fixed)   version, flags, n, present, section lengths,
 *                              t_first, t_last, step, v_min, v_max, sum,
 *                              v_first
 *   gap section                (skip, length) varint pairs: the gap runs
 *   time section               irregular series only: times 2..n, packed
 *   value section              present values 2..present, packed
 *   CRC-32C (4 bytes)          of every byte before it
 *
 * A packed section is a run of blocks of up to 128 values. A block is a
 * width byte (w, plus a flag), the zigzag varint of a reference, then 128
 * (or fewer) fields of w bits, least significant bit first. A delta block
 * stores each value's difference from the one before, minus the smallest
 * such difference (the reference); a value block stores each value minus
 * the block's smallest, which is the reference plus the value before the
 * block. The encoder picks the narrower form per block: deltas for smooth
 * series, values for noisy ones such as a household's load in W.
 *
 * Decoding a block is a branch-free unpack specialised per width, then, in
 * chunk_sum_range and chunk_decode, an SSE2 kernel that takes four or
 * eight values at a time (with a scalar twin where there is no SSE2): that
 * is what makes a range sum run at about a billion points a second.
 *
 * Every decoder checks the checksum, then the header, then every length,
 * width, varint and count before it reads; all arithmetic on values and
 * timestamps is done on uint64_t, so a hostile chunk can at worst be
 * CMN_ERR_CORRUPT.
 */
#include "series/codec.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#define CHUNK_VERSION     1
#define CHUNK_F_IRREGULAR 0x01u      /* step 0: a time section follows the gaps */
#define CHUNK_F_GAPS      0x02u      /* a gap section is present */
#define CHUNK_HDR         80         /* bytes of the fixed header */
#define CHUNK_CRC         4          /* bytes of the trailing checksum */
#define CHUNK_MAX_BYTES   (1u << 24) /* no valid chunk comes near (about 1.2 MB at most) */
#define BLOCK             128        /* fields per packed block */
#define VARINT_MAX        10         /* bytes of a 64-bit varint */
#define BLOCK_MAX_BYTES   (1 + VARINT_MAX + BLOCK * 8)
#define BLOCK_VALUES      0x80u              /* in a block's width byte: a value block */
#define UNPACK_SLACK      8                  /* bytes the unpacker may read past a block */
#define FAST_WIDTH_MAX    17                 /* widest block the fast kernel takes */
#define FAST_DELTA_MAX    ((int64_t)1 << 17) /* largest delta (either sign) it takes */
#define FAST_BASE_MAX     ((int64_t)1 << 55) /* largest value (either sign) before the block */

/* Offsets of the header fields (all little-endian). */
enum {
	H_VERSION = 0,  /* u8 */
	H_FLAGS = 1,    /* u8 */
	H_RESERVED = 2, /* u16, zero */
	H_N = 4,        /* u32 slots */
	H_PRESENT = 8,  /* u32 */
	H_GAP_LEN = 12, /* u32 bytes of the gap section */
	H_T_LEN = 16,   /* u32 bytes of the time section */
	H_V_LEN = 20,   /* u32 bytes of the value section */
	H_T_FIRST = 24, /* i64 */
	H_T_LAST = 32,  /* i64 */
	H_STEP = 40,    /* i64 */
	H_V_MIN = 48,   /* i64 */
	H_V_MAX = 56,   /* i64 */
	H_SUM = 64,     /* i64 */
	H_V_FIRST = 72, /* i64 first present value: the value section starts after it */
};

/* ---------------------------------------------------------------------- */
/* Little-endian access, zigzag, varints                                  */
/* ---------------------------------------------------------------------- */

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u32(uint8_t *p, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

/* load64 - 8 bytes at p as a little-endian word, p unaligned (one load). */
static inline uint64_t load64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* The two's-complement pattern of x, and back (defined for every value). */
static inline uint64_t u64_of(int64_t x)
{
	return (uint64_t)x;
}

static inline int64_t i64_of(uint64_t x)
{
	return x <= (uint64_t)INT64_MAX ? (int64_t)x
					: (int64_t)(x - (uint64_t)INT64_MAX - 1) + INT64_MIN;
}

static inline uint64_t zigzag(uint64_t x)
{
	return (x << 1) ^ (0 - (x >> 63));
}

static inline uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

static size_t varint_put(uint8_t *p, uint64_t x)
{
	size_t n = 0;

	while (x >= 0x80) {
		p[n++] = (uint8_t)(x | 0x80);
		x >>= 7;
	}
	p[n++] = (uint8_t)x;
	return n;
}

/* varint_get - reads a canonical varint (shortest form, at most 64 bits)
 * from *pp, not past end. 0, or -1 when malformed. */
static int varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *x)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;

	for (unsigned i = 0; i < VARINT_MAX; i++) {
		uint8_t b;

		if (p == end)
			return -1;
		b = *p++;
		if (i == VARINT_MAX - 1 && b > 1)
			return -1;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (i > 0 && b == 0)
				return -1;
			*pp = p;
			*x = v;
			return 0;
		}
	}
	return -1;
}

static unsigned bit_width(uint64_t x)
{
	return x ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

/* ---------------------------------------------------------------------- */
/* CRC-32C                                                                */
/* ---------------------------------------------------------------------- */

#define CRC32C_POLY 0x82F63B78u /* Castagnoli, reflected */

static uint32_t crc_table[8][256];
static uint32_t (*crc_impl)(uint32_t, const uint8_t *, size_t);
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

/* crc32c_sw - slice-by-8 on the inverted state crc. */
static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		n--;
	}
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t x = load64(p) ^ crc;

		crc = crc_table[7][x & 0xff] ^ crc_table[6][(x >> 8) & 0xff] ^
		      crc_table[5][(x >> 16) & 0xff] ^ crc_table[4][(x >> 24) & 0xff] ^
		      crc_table[3][(x >> 32) & 0xff] ^ crc_table[2][(x >> 40) & 0xff] ^
		      crc_table[1][(x >> 48) & 0xff] ^ crc_table[0][x >> 56];
	}
	while (n--)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
/*
 * The hardware path runs three CRCs at once over three lanes of CRC_LANE
 * bytes (the instruction has a latency of three cycles and a throughput of
 * one), then joins them: the state after A then B is the state after A
 * moved through |B| zero bytes (crc_lane_shift, a linear map read from
 * four tables) xor the state after B from zero.
 */
#define CRC_LANE 128

static uint32_t crc_lane_shift_table[4][256];

static uint32_t crc_lane_shift(uint32_t c)
{
	return crc_lane_shift_table[0][c & 0xff] ^ crc_lane_shift_table[1][(c >> 8) & 0xff] ^
	       crc_lane_shift_table[2][(c >> 16) & 0xff] ^ crc_lane_shift_table[3][c >> 24];
}

/* crc32c_hw - the SSE4.2 instruction, 8 bytes at a time; only called when
 * the processor has it (crc_init). */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p,
							    size_t n)
{
	uint64_t c = crc;

	while (n && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		n--;
	}
	for (; n >= 3 * CRC_LANE; p += 3 * CRC_LANE, n -= 3 * CRC_LANE) {
		uint64_t c1 = 0, c2 = 0;

		for (size_t i = 0; i < CRC_LANE; i += 8) {
			c = _mm_crc32_u64(c, load64(p + i));
			c1 = _mm_crc32_u64(c1, load64(p + CRC_LANE + i));
			c2 = _mm_crc32_u64(c2, load64(p + 2 * CRC_LANE + i));
		}
		c = crc_lane_shift((uint32_t)c) ^ c1;
		c = crc_lane_shift((uint32_t)c) ^ c2;
	}
	for (; n >= 8; p += 8, n -= 8)
		c = _mm_crc32_u64(c, load64(p));
	while (n--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return (uint32_t)c;
}
#endif

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			crc_table[k][i] =
			    (crc_table[k - 1][i] >> 8) ^ crc_table[0][crc_table[k - 1][i] & 0xff];
	crc_impl = crc32c_sw;
#if defined(__x86_64__)
	{
		static const uint8_t zeros[CRC_LANE];

		for (uint32_t k = 0; k < 4; k++)
			for (uint32_t b = 0; b < 256; b++)
				crc_lane_shift_table[k][b] =
				    crc32c_sw(b << (8 * k), zeros, CRC_LANE);
	}
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sse4.2"))
		crc_impl = crc32c_hw;
#endif
}

uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
	pthread_once(&crc_once, crc_init);
	return ~crc_impl(~crc, data, n);
}

/* ---------------------------------------------------------------------- */
/* Exact sums, saturated at the end                                       */
/* ---------------------------------------------------------------------- */

/* A running aggregate: the sum is exact (128 bits), clamped only when read. */
struct acc {
	uint64_t lo;    /* low 64 bits of the sum */
	int64_t hi;     /* high 64 bits (signed) */
	uint64_t count; /* values added */
	int64_t min, max;
};

static void acc_init(struct acc *a)
{
	a->lo = 0;
	a->hi = 0;
	a->count = 0;
	a->min = INT64_MAX;
	a->max = INT64_MIN;
}

static inline void acc_add_sum(struct acc *a, int64_t x)
{
	uint64_t lo = a->lo + u64_of(x);

	a->hi += (lo < a->lo) - (x < 0);
	a->lo = lo;
}

/* acc_sum - the sum clamped to [INT64_MIN, INT64_MAX]. */
static int64_t acc_sum(const struct acc *a)
{
	if (a->hi == 0 && a->lo <= (uint64_t)INT64_MAX)
		return (int64_t)a->lo;
	if (a->hi == -1 && a->lo > (uint64_t)INT64_MAX)
		return i64_of(a->lo);
	return a->hi < 0 ? INT64_MIN : INT64_MAX;
}

static void acc_add(struct acc *a, int64_t x)
{
	acc_add_sum(a, x);
	a->count++;
	a->min = x < a->min ? x : a->min;
	a->max = x > a->max ? x : a->max;
}

/* acc_add_block - adds cnt (<= BLOCK) values. The block is summed in 64
 * bits when its range proves the sum cannot wrap, value by value otherwise. */
static void acc_add_block(struct acc *a, const int64_t *x, size_t cnt)
{
	const int64_t lim = (int64_t)1 << 56; /* 128 * 2^56 = 2^63 */
	int64_t mn = INT64_MAX, mx = INT64_MIN;
	uint64_t s = 0;

	for (size_t i = 0; i < cnt; i++) {
		s += u64_of(x[i]);
		mn = x[i] < mn ? x[i] : mn;
		mx = x[i] > mx ? x[i] : mx;
	}
	if (mn >= -lim && mx < lim) {
		acc_add_sum(a, i64_of(s));
	} else {
		for (size_t i = 0; i < cnt; i++)
			acc_add_sum(a, x[i]);
	}
	a->count += cnt;
	a->min = mn < a->min ? mn : a->min;
	a->max = mx > a->max ? mx : a->max;
}

/* ---------------------------------------------------------------------- */
/* Bit packing                                                            */
/* ---------------------------------------------------------------------- */

/* get_field - the w-bit field at bit offset bit of in; reads 8 bytes from
 * in + bit / 8, and 8 more when the field spans 9 bytes (w >= 58). */
static inline __attribute__((always_inline)) uint64_t get_field(const uint8_t *in, unsigned bit,
								unsigned w, uint64_t mask)
{
	uint64_t x = load64(in + bit / 8) >> (bit % 8);

	if (w > 57 && bit % 8 + w > 64)
		x |= load64(in + bit / 8 + 8) << (64 - bit % 8);
	return x & mask;
}

/* FIELD - field j of the current group of eight, into u32 or u64. */
#define FIELD(j)                                                                                   \
	do {                                                                                       \
		uint64_t f_ = get_field(in, (j)*w, w, mask);                                       \
                                                                                                   \
		if (narrow)                                                                        \
			u32[k + (j)] = (uint32_t)f_;                                               \
		else                                                                               \
			u64[k + (j)] = f_;                                                         \
	} while (0)

/* unpack128 - 128 fields of w bits into u32 (narrow) or u64; inlined
 * once per width so that every shift and offset is a constant. Reads up
 * to 16 * w + UNPACK_SLACK bytes from in. */
static inline __attribute__((always_inline)) void unpack128(const uint8_t *in, uint64_t *u64,
							    uint32_t *u32, bool narrow, unsigned w)
{
	const uint64_t mask = w >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << w) - 1;

	if (w == 0) {
		for (unsigned k = 0; k < BLOCK; k++)
			if (narrow)
				u32[k] = 0;
			else
				u64[k] = 0;
		return;
	}
	for (unsigned k = 0; k < BLOCK; k += 8, in += w) {
		FIELD(0);
		FIELD(1);
		FIELD(2);
		FIELD(3);
		FIELD(4);
		FIELD(5);
		FIELD(6);
		FIELD(7);
	}
}

#undef FIELD

typedef void (*unpack_fn)(const uint8_t *in, uint64_t *u);
typedef void (*unpack32_fn)(const uint8_t *in, uint32_t *u);

/* clang-format off */
#define UNPACK_DEF(w)                                                  \
	static void unpack_##w(const uint8_t *in, uint64_t *u)         \
	{                                                              \
		unpack128(in, u, NULL, false, w);                      \
	}
#define UNPACK32_DEF(w)                                                \
	static void unpack32_##w(const uint8_t *in, uint32_t *u)       \
	{                                                              \
		unpack128(in, NULL, u, true, w);                       \
	}
#define UNPACK_REF(w) unpack_##w,
#define UNPACK32_REF(w) unpack32_##w,
#define NARROW_WIDTHS(X)                                                                   \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14)     \
	X(15) X(16) X(17)
#define WIDTHS(X)                                                                          \
	NARROW_WIDTHS(X) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27)       \
	X(28) X(29) X(30) X(31) X(32) X(33) X(34) X(35) X(36) X(37) X(38) X(39) X(40)      \
	X(41) X(42) X(43) X(44) X(45) X(46) X(47) X(48) X(49) X(50) X(51) X(52) X(53)      \
	X(54) X(55) X(56) X(57) X(58) X(59) X(60) X(61) X(62) X(63) X(64)

WIDTHS(UNPACK_DEF)
NARROW_WIDTHS(UNPACK32_DEF)

static const unpack_fn unpackers[65] = {WIDTHS(UNPACK_REF)};
static const unpack32_fn unpackers32[FAST_WIDTH_MAX + 1] = {NARROW_WIDTHS(UNPACK32_REF)};
/* clang-format on */

#undef UNPACK_DEF
#undef UNPACK32_DEF
#undef UNPACK_REF
#undef UNPACK32_REF
#undef NARROW_WIDTHS
#undef WIDTHS

/*
 * The fast kernels. A full block of width at most FAST_WIDTH_MAX is taken
 * four values at a time in 32-bit lanes:
 *  - a value block holds base + u[i]: the kernel sums u and finds its
 *    minimum and maximum (u < 2^17, sums of 32 of them < 2^22);
 *  - a delta block, when every delta ref + u[i] is within +-FAST_DELTA_MAX,
 *    holds base + D_i where D_i is the running sum of the deltas
 *    (|D_i| <= 2^24, sums of 32 of them < 2^29): the kernel takes the
 *    running sums, then the same sum, minimum and maximum.
 * Either may also write the values. They are exact while |base| <
 * FAST_BASE_MAX (128 * base + sum fits in 63 bits), which callers check.
 */
struct kstat {
	int64_t sum;      /* of u (value block) or D (delta block) */
	int64_t min, max; /* idem */
	int64_t last;     /* u[127] or D_127 */
};

#if defined(__SSE2__)
static inline __m128i min_i32(__m128i a, __m128i b)
{
	__m128i m = _mm_cmplt_epi32(a, b);

	return _mm_or_si128(_mm_and_si128(m, a), _mm_andnot_si128(m, b));
}

static inline __m128i max_i32(__m128i a, __m128i b)
{
	__m128i m = _mm_cmpgt_epi32(a, b);

	return _mm_or_si128(_mm_and_si128(m, a), _mm_andnot_si128(m, b));
}

static inline __attribute__((always_inline)) void
kernel(const uint32_t *u, bool delta, int32_t ref, int64_t base, int64_t *out, struct kstat *st)
{
	__m128i vref = _mm_set1_epi32(ref), carry = _mm_setzero_si128();
	__m128i vsum = carry, vmin = _mm_set1_epi32(INT32_MAX), vmax = _mm_set1_epi32(INT32_MIN);
	__m128i vbase = _mm_set1_epi64x(base);
	int32_t s[4], lo[4], hi[4];

	for (unsigned k = 0; k < BLOCK; k += 4) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + k));

		if (delta) {
			x = _mm_add_epi32(x, vref);
			x = _mm_add_epi32(x, _mm_slli_si128(x, 4));
			x = _mm_add_epi32(x, _mm_slli_si128(x, 8));
			x = _mm_add_epi32(x, carry);
			carry = _mm_shuffle_epi32(x, 0xff);
		}
		vsum = _mm_add_epi32(vsum, x);
		vmin = min_i32(vmin, x);
		vmax = max_i32(vmax, x);
		if (out) {
			__m128i sign = _mm_srai_epi32(x, 31);

			_mm_storeu_si128((__m128i *)(void *)(out + k),
					 _mm_add_epi64(_mm_unpacklo_epi32(x, sign), vbase));
			_mm_storeu_si128((__m128i *)(void *)(out + k + 2),
					 _mm_add_epi64(_mm_unpackhi_epi32(x, sign), vbase));
		}
	}
	_mm_storeu_si128((__m128i *)(void *)s, vsum);
	_mm_storeu_si128((__m128i *)(void *)lo, vmin);
	_mm_storeu_si128((__m128i *)(void *)hi, vmax);
	st->sum = (int64_t)s[0] + s[1] + s[2] + s[3];
	st->min = lo[0];
	st->max = hi[0];
	for (int i = 1; i < 4; i++) {
		st->min = lo[i] < st->min ? lo[i] : st->min;
		st->max = hi[i] > st->max ? hi[i] : st->max;
	}
	st->last = delta ? _mm_cvtsi128_si32(carry) : (int64_t)u[BLOCK - 1];
}

/* kernel16 - kernel for a value block of width <= 15: its fields fit in
 * 16-bit lanes, eight at a time, where SSE2 has a minimum and a maximum. */
static inline __attribute__((always_inline)) void kernel16(const uint32_t *u, int64_t base,
							   int64_t *out, struct kstat *st)
{
	__m128i vsum = _mm_setzero_si128(), zero = vsum, vbase = _mm_set1_epi64x(base);
	__m128i vmin = _mm_set1_epi16(INT16_MAX), vmax = _mm_set1_epi16(INT16_MIN);
	int32_t s[4];
	int16_t lo[8], hi[8];

	for (unsigned k = 0; k < BLOCK; k += 8) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(u + k));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(u + k + 4));
		__m128i p = _mm_packs_epi32(a, b);

		vsum = _mm_add_epi32(vsum, _mm_add_epi32(a, b));
		vmin = _mm_min_epi16(vmin, p);
		vmax = _mm_max_epi16(vmax, p);
		if (out) {
			_mm_storeu_si128((__m128i *)(void *)(out + k),
					 _mm_add_epi64(_mm_unpacklo_epi32(a, zero), vbase));
			_mm_storeu_si128((__m128i *)(void *)(out + k + 2),
					 _mm_add_epi64(_mm_unpackhi_epi32(a, zero), vbase));
			_mm_storeu_si128((__m128i *)(void *)(out + k + 4),
					 _mm_add_epi64(_mm_unpacklo_epi32(b, zero), vbase));
			_mm_storeu_si128((__m128i *)(void *)(out + k + 6),
					 _mm_add_epi64(_mm_unpackhi_epi32(b, zero), vbase));
		}
	}
	_mm_storeu_si128((__m128i *)(void *)s, vsum);
	_mm_storeu_si128((__m128i *)(void *)lo, vmin);
	_mm_storeu_si128((__m128i *)(void *)hi, vmax);
	st->sum = (int64_t)s[0] + s[1] + s[2] + s[3];
	st->min = lo[0];
	st->max = hi[0];
	for (int i = 1; i < 8; i++) {
		st->min = lo[i] < st->min ? lo[i] : st->min;
		st->max = hi[i] > st->max ? hi[i] : st->max;
	}
	st->last = u[BLOCK - 1];
}
#else
#define kernel                     kernel_scalar
#define kernel16(u, base, out, st) kernel_scalar(u, false, 0, base, out, st)
#endif

/* kernel_scalar - what kernel computes, one value at a time (the kernel
 * where there is no SSE2, and its reference in the tests). */
static inline __attribute__((always_inline, unused)) void kernel_scalar(const uint32_t *u,
									bool delta, int32_t ref,
									int64_t base, int64_t *out,
									struct kstat *st)
{
	int64_t d = 0, sum = 0, mn = INT64_MAX, mx = INT64_MIN;

	for (unsigned k = 0; k < BLOCK; k++) {
		d = delta ? d + ref + (int64_t)u[k] : (int64_t)u[k];
		sum += d;
		mn = d < mn ? d : mn;
		mx = d > mx ? d : mx;
		if (out)
			out[k] = base + d;
	}
	st->sum = sum;
	st->min = mn;
	st->max = mx;
	st->last = d;
}

/* pack_block - encodes cnt (1..BLOCK) values following prev as one block
 * into out (at least BLOCK_MAX_BYTES); returns the bytes written. The
 * block takes the narrower of two forms (the value form when equal, as it
 * decodes faster):
 *  - deltas: fields are d[i] - min d, where d[i] = x[i] - x[i - 1], and
 *    the reference is min d;
 *  - values (BLOCK_VALUES): fields are x[i] - min x, and the reference
 *    is min x - prev.
 * Minima are taken on the values read as signed numbers; the reference is
 * stored zigzagged, so that it stays short when small either way. */
static size_t pack_block(uint8_t *out, uint64_t prev, const uint64_t *x, size_t cnt)
{
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, vmin = INT64_MAX, vmax = INT64_MIN;
	uint64_t d[BLOCK], ref, acc = 0;
	const uint64_t *src = d;
	unsigned w, wv, nacc = 0;
	size_t k = 0;

	for (size_t i = 0; i < cnt; i++) {
		int64_t di, xi = i64_of(x[i]);

		d[i] = x[i] - (i ? x[i - 1] : prev);
		di = i64_of(d[i]);
		dmin = di < dmin ? di : dmin;
		dmax = di > dmax ? di : dmax;
		vmin = xi < vmin ? xi : vmin;
		vmax = xi > vmax ? xi : vmax;
	}
	w = bit_width(u64_of(dmax) - u64_of(dmin));
	wv = bit_width(u64_of(vmax) - u64_of(vmin));
	if (wv <= w) {
		w = wv;
		src = x;
		out[k++] = (uint8_t)(w | BLOCK_VALUES);
		ref = u64_of(vmin);
		k += varint_put(out + k, zigzag(ref - prev));
	} else {
		out[k++] = (uint8_t)w;
		ref = u64_of(dmin);
		k += varint_put(out + k, zigzag(ref));
	}
	if (w == 0)
		return k;
	for (size_t i = 0; i < cnt; i++) {
		uint64_t u = src[i] - ref;

		acc |= u << nacc;
		nacc += w;
		if (nacc >= 64) {
			put_u64(out + k, acc);
			k += 8;
			nacc -= 64;
			acc = nacc ? u >> (w - nacc) : 0;
		}
	}
	for (; nacc > 0; nacc = nacc > 8 ? nacc - 8 : 0, acc >>= 8)
		out[k++] = (uint8_t)acc;
	return k;
}

/* A reader of a packed section. */
struct reader {
	const uint8_t *p, *end; /* next block; end of the section */
	const uint8_t *limit;   /* end of the readable bytes (the chunk's end) */
	uint32_t left;          /* values still to read */
	uint64_t prev;          /* the last value given */
};

/* One unpacked block: value i is prev + ref + u[i] (value block) or the
 * running sum of ref + u[i] from prev (delta block). */
struct block {
	size_t cnt; /* fields: BLOCK, or fewer in the last block */
	unsigned w; /* bits per field */
	uint64_t ref;
	bool values; /* a value block */
	bool narrow; /* fast kernel material: full, narrow, fields in u32 */
	union {
		uint64_t u64[BLOCK];
		uint32_t u32[BLOCK];
	} u;
};

/* reader_next - unpacks the next block of min(left, BLOCK) fields. 0, or
 * -1 when the block does not hold (width over 64, bad varint, bytes past
 * the section, padding bits not zero). Leaves r->prev alone. */
static int reader_next(struct reader *r, struct block *b)
{
	uint8_t pad[BLOCK * 8 + UNPACK_SLACK];
	const uint8_t *p = r->p, *src;
	size_t cnt = r->left < BLOCK ? r->left : BLOCK, bytes;
	int64_t ref;
	uint64_t z;
	unsigned w;

	if (cnt == 0 || p >= r->end)
		return -1;
	b->values = *p & BLOCK_VALUES;
	w = *p++ & ~BLOCK_VALUES;
	if (w > 64 || varint_get(&p, r->end, &z) != 0)
		return -1;
	bytes = (cnt * w + 7) / 8;
	if ((size_t)(r->end - p) < bytes)
		return -1;
	if ((cnt * w) % 8 && (p[bytes - 1] >> ((cnt * w) % 8)) != 0)
		return -1;
	src = p;
	if (cnt < BLOCK || (size_t)(r->limit - p) < bytes + UNPACK_SLACK) {
		size_t span = (size_t)16 * w + UNPACK_SLACK;

		memcpy(pad, p, bytes);
		memset(pad + bytes, 0, span - bytes);
		src = pad;
	}
	b->cnt = cnt;
	b->w = w;
	b->ref = unzigzag(z);
	ref = i64_of(b->ref);
	b->narrow = cnt == BLOCK && w <= FAST_WIDTH_MAX &&
		    (b->values ||
		     (ref >= -FAST_DELTA_MAX && ref + ((int64_t)1 << w) - 1 <= FAST_DELTA_MAX));
	if (b->narrow)
		unpackers32[w](src, b->u.u32);
	else
		unpackers[w](src, b->u.u64);
	r->p = p + bytes;
	r->left -= (uint32_t)cnt;
	return 0;
}

static inline uint64_t block_field(const struct block *b, size_t i)
{
	return b->narrow ? b->u.u32[i] : b->u.u64[i];
}

/* block_values - the block's values after prev into out (cnt entries);
 * returns the last one. */
static uint64_t block_values(const struct block *b, uint64_t prev, int64_t *out)
{
	if (b->values) {
		uint64_t base = prev + b->ref;

		for (size_t i = 0; i < b->cnt; i++)
			out[i] = i64_of(base + block_field(b, i));
		return base + block_field(b, b->cnt - 1);
	}
	for (size_t i = 0; i < b->cnt; i++) {
		prev += b->ref + block_field(b, i);
		out[i] = i64_of(prev);
	}
	return prev;
}

/* block_last - the block's last value only. */
static uint64_t block_last(const struct block *b, uint64_t prev)
{
	uint64_t s = 0;

	if (b->values)
		return prev + b->ref + block_field(b, b->cnt - 1);
	if (b->narrow) {
		for (size_t i = 0; i < BLOCK; i++)
			s += b->u.u32[i];
	} else {
		for (size_t i = 0; i < b->cnt; i++)
			s += b->u.u64[i];
	}
	return prev + b->cnt * b->ref + s;
}

/* block_fast - whether the fast kernel applies to b after value prev, and
 * the base of its values. */
static bool block_fast(const struct block *b, uint64_t prev, int64_t *base)
{
	*base = i64_of(b->values ? prev + b->ref : prev);
	return b->narrow && *base > -FAST_BASE_MAX && *base < FAST_BASE_MAX;
}

/* block_kernel - runs the fast kernel on b (block_fast said yes), writing
 * the values to out unless it is NULL. */
static void block_kernel(const struct block *b, int64_t base, int64_t *out, struct kstat *st)
{
	int32_t ref = (int32_t)i64_of(b->ref);

	if (b->values && b->w <= 15 && out)
		kernel16(b->u.u32, base, out, st);
	else if (b->values && b->w <= 15)
		kernel16(b->u.u32, 0, NULL, st);
	else if (b->values && out)
		kernel(b->u.u32, false, 0, base, out, st);
	else if (b->values)
		kernel(b->u.u32, false, 0, 0, NULL, st);
	else if (out)
		kernel(b->u.u32, true, ref, base, out, st);
	else
		kernel(b->u.u32, true, ref, 0, NULL, st);
}

/* acc_add_kernel - adds the block summarised by st, of values base + ... */
static void acc_add_kernel(struct acc *a, int64_t base, const struct kstat *st)
{
	acc_add_sum(a, i64_of(u64_of(base) * BLOCK + u64_of(st->sum)));
	a->count += BLOCK;
	a->min = base + st->min < a->min ? base + st->min : a->min;
	a->max = base + st->max > a->max ? base + st->max : a->max;
}

/* reader_block - decodes the next block into out (BLOCK entries): returns
 * the number of values, or -1 (see reader_next). */
static int reader_block(struct reader *r, int64_t *out)
{
	struct block b;

	if (reader_next(r, &b) != 0)
		return -1;
	r->prev = block_values(&b, r->prev, out);
	return (int)b.cnt;
}

/* ---------------------------------------------------------------------- */
/* Header                                                                 */
/* ---------------------------------------------------------------------- */

/* A parsed, checked header and where the sections are. */
struct hdr {
	const uint8_t *c; /* the chunk */
	size_t len;       /* its bytes, checksum included */
	unsigned flags;
	uint32_t n, present;
	int64_t t_first, t_last, step;
	int64_t v_min, v_max, sum, v_first;
	const uint8_t *gaps, *ts, *vs, *vs_end; /* sections: gaps, times, values */
};

/* hdr_fields - reads the fields and section bounds; no checks but the
 * length, which the caller has made sure is at least CHUNK_HDR. */
static void hdr_fields(const uint8_t *c, size_t len, struct hdr *h)
{
	uint32_t glen = get_u32(c + H_GAP_LEN), tlen = get_u32(c + H_T_LEN);

	h->c = c;
	h->len = len;
	h->flags = c[H_FLAGS];
	h->n = get_u32(c + H_N);
	h->present = get_u32(c + H_PRESENT);
	h->t_first = i64_of(get_u64(c + H_T_FIRST));
	h->t_last = i64_of(get_u64(c + H_T_LAST));
	h->step = i64_of(get_u64(c + H_STEP));
	h->v_min = i64_of(get_u64(c + H_V_MIN));
	h->v_max = i64_of(get_u64(c + H_V_MAX));
	h->sum = i64_of(get_u64(c + H_SUM));
	h->v_first = i64_of(get_u64(c + H_V_FIRST));
	h->gaps = c + CHUNK_HDR;
	h->ts = h->gaps + glen;
	h->vs = h->ts + tlen;
	h->vs_end = h->vs + get_u32(c + H_V_LEN);
}

/* hdr_sections - only what chunk_iter_next needs of a checked header: n,
 * present, step and the sections. */
static void hdr_sections(const uint8_t *c, struct hdr *h)
{
	h->c = c;
	h->n = get_u32(c + H_N);
	h->present = get_u32(c + H_PRESENT);
	h->step = i64_of(get_u64(c + H_STEP));
	h->gaps = c + CHUNK_HDR;
	h->ts = h->gaps + get_u32(c + H_GAP_LEN);
	h->vs = h->ts + get_u32(c + H_T_LEN);
	h->vs_end = h->vs + get_u32(c + H_V_LEN);
}

/* hdr_times_ok - the slot count, step and first and last timestamps agree. */
static bool hdr_times_ok(const struct hdr *h)
{
	uint64_t span = u64_of(h->t_last) - u64_of(h->t_first);

	if (h->t_last < h->t_first || h->step < 0)
		return false;
	if (h->n == 1)
		return span == 0;
	if (h->step == 0)
		return span >= h->n - 1;
	if ((uint64_t)h->step > (uint64_t)INT64_MAX / (h->n - 1))
		return false;
	return span == (uint64_t)h->step * (h->n - 1);
}

/* hdr_parse - checks the length, the checksum and the header, and fills h. */
static enum cmn_rc hdr_parse(const uint8_t *c, size_t len, struct hdr *h)
{
	uint64_t glen, tlen, vlen;
	bool irregular, gaps;

	if (!c || len < CHUNK_HDR + CHUNK_CRC || len > CHUNK_MAX_BYTES)
		return CMN_ERR_CORRUPT;
	if (crc32c(0, c, len - CHUNK_CRC) != get_u32(c + len - CHUNK_CRC))
		return CMN_ERR_CORRUPT;
	if (c[H_VERSION] != CHUNK_VERSION || c[H_RESERVED] || c[H_RESERVED + 1])
		return CMN_ERR_CORRUPT;
	glen = get_u32(c + H_GAP_LEN);
	tlen = get_u32(c + H_T_LEN);
	vlen = get_u32(c + H_V_LEN);
	if (CHUNK_HDR + glen + tlen + vlen + CHUNK_CRC != len)
		return CMN_ERR_CORRUPT;
	hdr_fields(c, len, h);
	irregular = h->flags & CHUNK_F_IRREGULAR;
	gaps = h->flags & CHUNK_F_GAPS;
	if (h->flags & ~(CHUNK_F_IRREGULAR | CHUNK_F_GAPS))
		return CMN_ERR_CORRUPT;
	if (h->n == 0 || h->n > CHUNK_MAX_POINTS || h->present > h->n)
		return CMN_ERR_CORRUPT;
	if (gaps != (h->present < h->n) || gaps != (glen > 0))
		return CMN_ERR_CORRUPT;
	if (irregular != (h->step == 0) || (irregular && h->n > 1) != (tlen > 0))
		return CMN_ERR_CORRUPT;
	if ((h->present > 1) != (vlen > 0) || !hdr_times_ok(h))
		return CMN_ERR_CORRUPT;
	if (h->present == 0) {
		if (h->v_min || h->v_max || h->sum || h->v_first)
			return CMN_ERR_CORRUPT;
	} else if (h->v_min == SERIES_GAP || h->v_min > h->v_first || h->v_first > h->v_max) {
		return CMN_ERR_CORRUPT;
	}
	return CMN_OK;
}

enum cmn_rc chunk_inspect(const uint8_t *chunk, size_t len, struct chunk_info *info)
{
	struct hdr h;
	enum cmn_rc rc = hdr_parse(chunk, len, &h);

	if (rc != CMN_OK)
		return rc;
	info->n = h.n;
	info->present = h.present;
	info->t_first = h.t_first;
	info->t_last = h.t_last;
	info->step = h.step;
	info->v_min = h.v_min;
	info->v_max = h.v_max;
	info->sum = h.sum;
	return CMN_OK;
}

/* ---------------------------------------------------------------------- */
/* Sections                                                               */
/* ---------------------------------------------------------------------- */

/* gap_next - the next gap run: 1 and (skip, len), 0 at the section's end,
 * -1 when malformed. */
static int gap_next(const uint8_t **p, const uint8_t *end, uint64_t *skip, uint64_t *len)
{
	*skip = 0;
	*len = 0;
	if (*p == end)
		return 0;
	if (varint_get(p, end, skip) != 0 || varint_get(p, end, len) != 0)
		return -1;
	return 1;
}

/* gaps_check - the runs are canonical (a run is never empty, runs are
 * separated by at least one present slot), stay within the n slots and
 * hold exactly n - present gaps. */
static enum cmn_rc gaps_check(const struct hdr *h)
{
	const uint8_t *p = h->gaps;
	uint64_t skip, len, slots = 0, gaps = 0;
	int r;

	while ((r = gap_next(&p, h->ts, &skip, &len)) == 1) {
		if (len == 0 || (slots > 0 && skip == 0) || skip > h->n || len > h->n)
			return CMN_ERR_CORRUPT;
		slots += skip + len;
		gaps += len;
		if (slots > h->n)
			return CMN_ERR_CORRUPT;
	}
	if (r < 0 || gaps != (uint64_t)h->n - h->present)
		return CMN_ERR_CORRUPT;
	return CMN_OK;
}

/* times_walk - decodes and checks the time section of an irregular chunk
 * (strictly increasing, first and last as in the header, no byte left);
 * writes the n timestamps to dst unless it is NULL. */
static enum cmn_rc times_walk(const struct hdr *h, int64_t *dst)
{
	struct reader r = {h->ts, h->vs, h->c + h->len, h->n - 1, u64_of(h->t_first)};
	int64_t tmp[BLOCK], last = h->t_first;
	size_t done = 1;

	if (dst)
		dst[0] = h->t_first;
	while (r.left) {
		int64_t *o = dst ? dst + done : tmp;
		int cnt = reader_block(&r, o);
		bool bad = false;

		if (cnt < 0)
			return CMN_ERR_CORRUPT;
		for (int i = 0; i < cnt; i++) {
			bad |= o[i] <= last;
			last = o[i];
		}
		if (bad)
			return CMN_ERR_CORRUPT;
		done += (size_t)cnt;
	}
	return r.p == r.end && last == h->t_last ? CMN_OK : CMN_ERR_CORRUPT;
}

/* values_walk - decodes every present value and checks them against the
 * header (no byte left, none is SERIES_GAP, min, max and sum as stored);
 * writes the present values to dst unless it is NULL. */
static enum cmn_rc values_walk(const struct hdr *h, int64_t *dst)
{
	struct reader r = {h->vs, h->vs_end, h->c + h->len, 0, u64_of(h->v_first)};
	int64_t tmp[BLOCK];
	size_t done = 1;
	struct block b;
	struct acc a;

	if (h->present == 0)
		return CMN_OK;
	r.left = h->present - 1;
	acc_init(&a);
	acc_add(&a, h->v_first);
	if (dst)
		dst[0] = h->v_first;
	while (r.left) {
		int64_t *o = dst ? dst + done : tmp, base;

		if (reader_next(&r, &b) != 0)
			return CMN_ERR_CORRUPT;
		if (block_fast(&b, r.prev, &base)) {
			struct kstat st;

			block_kernel(&b, base, dst ? o : NULL, &st);
			acc_add_kernel(&a, base, &st);
			r.prev = u64_of(base + st.last);
		} else {
			r.prev = block_values(&b, r.prev, o);
			acc_add_block(&a, o, b.cnt);
		}
		done += b.cnt;
	}
	if (r.p != r.end || a.min != h->v_min || a.max != h->v_max || acc_sum(&a) != h->sum)
		return CMN_ERR_CORRUPT;
	return CMN_OK; /* a.min == v_min != SERIES_GAP: no value is a gap */
}

/* values_range - aggregates the present values of index [p0, p1) into a
 * (p1 <= present). Blocks after p1 are not read. */
static enum cmn_rc values_range(const struct hdr *h, uint64_t p0, uint64_t p1, struct acc *a)
{
	struct reader r = {h->vs, h->vs_end, h->c + h->len, h->present - 1, u64_of(h->v_first)};
	int64_t vals[BLOCK];
	uint64_t first = 1;
	struct block b;

	if (p0 == 0)
		acc_add(a, h->v_first);
	while (r.left && first < p1) {
		uint64_t lo, hi;
		int64_t base;

		if (reader_next(&r, &b) != 0)
			return CMN_ERR_CORRUPT;
		lo = p0 > first ? p0 - first : 0;
		hi = p1 - first < b.cnt ? p1 - first : b.cnt;
		if (lo >= hi) {
			r.prev = block_last(&b, r.prev);
		} else if (lo == 0 && hi == b.cnt && block_fast(&b, r.prev, &base)) {
			struct kstat st;

			block_kernel(&b, base, NULL, &st);
			acc_add_kernel(a, base, &st);
			r.prev = u64_of(base + st.last);
		} else {
			r.prev = block_values(&b, r.prev, vals);
			acc_add_block(a, vals + lo, hi - lo);
		}
		first += b.cnt;
	}
	if (a->count && a->min == SERIES_GAP)
		return CMN_ERR_CORRUPT;
	return CMN_OK;
}

/* ---------------------------------------------------------------------- */
/* Encoding                                                               */
/* ---------------------------------------------------------------------- */

/* What chunk_encode learns from its input in a first pass. */
struct enc_plan {
	uint32_t slots; /* n of the chunk */
	uint32_t present;
	int64_t v_first;
	struct acc acc; /* over present values */
};

/* next_slot - the slot of point i > 0 given the slot of point i - 1, or
 * -1 when t is not strictly increasing, off the grid or too far. */
static int64_t next_slot(const int64_t *t, size_t i, int64_t step, int64_t slot)
{
	uint64_t diff, k;

	if (t[i] <= t[i - 1])
		return -1;
	if (step == 0)
		return slot + 1;
	diff = u64_of(t[i]) - u64_of(t[i - 1]);
	if (diff == (uint64_t)step)
		return slot + 1;
	if (diff % (uint64_t)step)
		return -1;
	k = diff / (uint64_t)step;
	return k >= CHUNK_MAX_POINTS ? -1 : slot + (int64_t)k;
}

static enum cmn_rc plan_input(const int64_t *t, const int64_t *v, size_t n, int64_t step,
			      struct enc_plan *pl)
{
	int64_t slot = 0;

	if (!t || !v || n == 0 || n > CHUNK_MAX_POINTS || step < 0)
		return CMN_ERR_INVALID;
	pl->present = 0;
	pl->v_first = 0;
	acc_init(&pl->acc);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (slot = next_slot(t, i, step, slot)) < 0)
			return CMN_ERR_INVALID;
		if (slot >= CHUNK_MAX_POINTS)
			return CMN_ERR_INVALID;
		if (v[i] == SERIES_GAP)
			continue;
		if (pl->present++ == 0)
			pl->v_first = v[i];
		acc_add(&pl->acc, v[i]);
	}
	pl->slots = (uint32_t)slot + 1;
	return CMN_OK;
}

/* A section being written: whole blocks go to the buffer as they fill. */
struct enc_section {
	struct buf *out;
	uint64_t x[BLOCK]; /* values of the block being filled */
	size_t cnt;
	uint64_t prev; /* the value before the block */
	size_t bytes;  /* written so far */
};

static enum cmn_rc section_flush(struct enc_section *s)
{
	uint8_t tmp[BLOCK_MAX_BYTES];
	size_t k;

	if (s->cnt == 0)
		return CMN_OK;
	k = pack_block(tmp, s->prev, s->x, s->cnt);
	s->prev = s->x[s->cnt - 1];
	s->cnt = 0;
	s->bytes += k;
	return buf_append(s->out, tmp, k);
}

static enum cmn_rc section_add(struct enc_section *s, int64_t x)
{
	s->x[s->cnt++] = u64_of(x);
	return s->cnt == BLOCK ? section_flush(s) : CMN_OK;
}

/* A gap section being written: runs of gap slots between present ones. */
struct enc_gaps {
	struct buf *out;
	uint64_t skip; /* present slots since the last run */
	uint64_t run;  /* gap slots in the current run */
	size_t bytes;
};

static enum cmn_rc gaps_emit(struct enc_gaps *g)
{
	uint8_t tmp[2 * VARINT_MAX];
	size_t k;

	if (g->run == 0)
		return CMN_OK;
	k = varint_put(tmp, g->skip);
	k += varint_put(tmp + k, g->run);
	g->skip = 0;
	g->run = 0;
	g->bytes += k;
	return buf_append(g->out, tmp, k);
}

static enum cmn_rc gaps_slot(struct enc_gaps *g, bool present, uint64_t count)
{
	enum cmn_rc rc = CMN_OK;

	if (!present) {
		g->run += count;
		return CMN_OK;
	}
	if (g->run)
		rc = gaps_emit(g);
	g->skip += count;
	return rc;
}

static enum cmn_rc enc_gaps(const int64_t *t, const int64_t *v, size_t n, int64_t step,
			    struct buf *out, size_t *bytes)
{
	struct enc_gaps g = {out, 0, 0, 0};
	enum cmn_rc rc = CMN_OK;
	int64_t slot = 0, prev = -1;

	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		if (i > 0)
			slot = next_slot(t, i, step, slot); /* checked by plan_input */
		if (slot > prev + 1)
			rc = gaps_slot(&g, false, (uint64_t)(slot - prev - 1));
		if (rc == CMN_OK)
			rc = gaps_slot(&g, v[i] != SERIES_GAP, 1);
		prev = slot;
	}
	if (rc == CMN_OK)
		rc = gaps_emit(&g);
	*bytes = g.bytes;
	return rc;
}

static enum cmn_rc enc_times(const int64_t *t, size_t n, struct buf *out, size_t *bytes)
{
	struct enc_section s = {.out = out, .prev = u64_of(t[0])};
	enum cmn_rc rc = CMN_OK;

	for (size_t i = 1; i < n && rc == CMN_OK; i++)
		rc = section_add(&s, t[i]);
	if (rc == CMN_OK)
		rc = section_flush(&s);
	*bytes = s.bytes;
	return rc;
}

static enum cmn_rc enc_values(const int64_t *v, size_t n, const struct enc_plan *pl,
			      struct buf *out, size_t *bytes)
{
	struct enc_section s = {.out = out, .prev = u64_of(pl->v_first)};
	enum cmn_rc rc = CMN_OK;
	bool first = true;

	for (size_t i = 0; i < n && rc == CMN_OK; i++) {
		if (v[i] == SERIES_GAP)
			continue;
		if (!first)
			rc = section_add(&s, v[i]);
		first = false;
	}
	if (rc == CMN_OK)
		rc = section_flush(&s);
	*bytes = s.bytes;
	return rc;
}

static void enc_header(uint8_t *h, const int64_t *t, size_t n, int64_t step,
		       const struct enc_plan *pl, const size_t len[3])
{
	bool some = pl->present > 0;

	memset(h, 0, CHUNK_HDR);
	h[H_VERSION] = CHUNK_VERSION;
	h[H_FLAGS] = (uint8_t)((step == 0 ? CHUNK_F_IRREGULAR : 0) |
			       (pl->present < pl->slots ? CHUNK_F_GAPS : 0));
	put_u32(h + H_N, pl->slots);
	put_u32(h + H_PRESENT, pl->present);
	put_u32(h + H_GAP_LEN, (uint32_t)len[0]);
	put_u32(h + H_T_LEN, (uint32_t)len[1]);
	put_u32(h + H_V_LEN, (uint32_t)len[2]);
	put_u64(h + H_T_FIRST, u64_of(t[0]));
	put_u64(h + H_T_LAST, u64_of(t[n - 1]));
	put_u64(h + H_STEP, u64_of(step));
	put_u64(h + H_V_MIN, u64_of(some ? pl->acc.min : 0));
	put_u64(h + H_V_MAX, u64_of(some ? pl->acc.max : 0));
	put_u64(h + H_SUM, u64_of(acc_sum(&pl->acc)));
	put_u64(h + H_V_FIRST, u64_of(pl->v_first));
}

/*
 * chunk_encode validates the whole input first (plan_input), so that the
 * header's summary is known, then appends the header with its lengths
 * left at zero, the sections one after another, and fills the header and
 * the checksum at the end. The input is read three or four times but never
 * copied; on failure out is left as it was.
 */
enum cmn_rc chunk_encode(const int64_t *t, const int64_t *v, size_t n, int64_t step,
			 struct buf *out)
{
	uint8_t hdr[CHUNK_HDR] = {0}, crc[CHUNK_CRC];
	size_t start = out->len, len[3] = {0, 0, 0};
	struct enc_plan pl;
	enum cmn_rc rc;

	rc = plan_input(t, v, n, step, &pl);
	if (rc != CMN_OK)
		return rc;
	rc = buf_append(out, hdr, sizeof(hdr));
	if (rc == CMN_OK && pl.present < pl.slots)
		rc = enc_gaps(t, v, n, step, out, &len[0]);
	if (rc == CMN_OK && step == 0 && n > 1)
		rc = enc_times(t, n, out, &len[1]);
	if (rc == CMN_OK && pl.present > 1)
		rc = enc_values(v, n, &pl, out, &len[2]);
	if (rc == CMN_OK && out->len - start + CHUNK_CRC > CHUNK_MAX_BYTES)
		rc = CMN_ERR_INTERNAL;
	if (rc == CMN_OK) {
		uint8_t *c = (uint8_t *)out->data + start;

		enc_header(c, t, n, step, &pl, len);
		put_u32(crc, crc32c(0, c, out->len - start));
		rc = buf_append(out, crc, sizeof(crc));
	}
	if (rc != CMN_OK && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Decoding                                                               */
/* ---------------------------------------------------------------------- */

/* expand_gaps - spreads the present values held at v[n - present .. n)
 * over the n slots, SERIES_GAP in the gaps (runs checked by gaps_check). */
static void expand_gaps(const struct hdr *h, int64_t *v)
{
	const uint8_t *p = h->gaps;
	size_t w = 0, r = h->n - h->present;
	uint64_t skip, len;

	while (gap_next(&p, h->ts, &skip, &len) == 1) {
		memmove(v + w, v + r, skip * sizeof(*v));
		w += skip;
		r += skip;
		for (uint64_t k = 0; k < len; k++)
			v[w++] = SERIES_GAP;
	}
	memmove(v + w, v + r, (h->n - w) * sizeof(*v));
}

enum cmn_rc chunk_decode(const uint8_t *chunk, size_t len, int64_t *t, int64_t *v, size_t cap,
			 size_t *n)
{
	struct hdr h;
	enum cmn_rc rc;

	*n = 0;
	rc = hdr_parse(chunk, len, &h);
	if (rc != CMN_OK)
		return rc;
	if (cap < h.n)
		return CMN_ERR_TOO_LARGE;
	rc = gaps_check(&h);
	if (rc == CMN_OK && h.step == 0) {
		rc = times_walk(&h, t);
	} else if (rc == CMN_OK) {
		uint64_t x = u64_of(h.t_first);

		for (size_t i = 0; i < h.n; i++, x += (uint64_t)h.step)
			t[i] = i64_of(x);
	}
	if (rc == CMN_OK)
		rc = values_walk(&h, v + (h.n - h.present));
	if (rc != CMN_OK)
		return rc;
	expand_gaps(&h, v);
	*n = h.n;
	return CMN_OK;
}

/* ---------------------------------------------------------------------- */
/* Range aggregates                                                       */
/* ---------------------------------------------------------------------- */

/* regular_slot - the first slot whose time is >= x (n if none). */
static uint32_t regular_slot(const struct hdr *h, int64_t x)
{
	uint64_t diff, k;

	if (x <= h->t_first)
		return 0;
	diff = u64_of(x) - u64_of(h->t_first);
	k = diff / (uint64_t)h->step + (diff % (uint64_t)h->step != 0);
	return k < h->n ? (uint32_t)k : h->n;
}

/* irregular_slots - the first slots whose times are >= from and >= to,
 * read from the time section up to the first time >= to. */
static enum cmn_rc irregular_slots(const struct hdr *h, int64_t from, int64_t to, uint64_t *s0,
				   uint64_t *s1)
{
	struct reader r = {h->ts, h->vs, h->c + h->len, h->n - 1, u64_of(h->t_first)};
	int64_t tt[BLOCK], last = h->t_first;

	*s0 = h->t_first < from;
	*s1 = h->t_first < to;
	while (r.left && last < to) {
		int cnt = reader_block(&r, tt);
		bool bad = false;

		if (cnt < 0)
			return CMN_ERR_CORRUPT;
		for (int i = 0; i < cnt; i++) {
			bad |= tt[i] <= last;
			last = tt[i];
			*s0 += tt[i] < from;
			*s1 += tt[i] < to;
		}
		if (bad)
			return CMN_ERR_CORRUPT;
	}
	return CMN_OK;
}

/* present_before - the number of present slots before slot s0 and s1. */
static enum cmn_rc present_before(const struct hdr *h, uint64_t s0, uint64_t s1, uint64_t *p0,
				  uint64_t *p1)
{
	const uint8_t *p = h->gaps;
	uint64_t skip, len, pos = 0, g0 = 0, g1 = 0;
	int r;

	while (pos < s1 && (r = gap_next(&p, h->ts, &skip, &len)) != 0) {
		uint64_t a, b;

		if (r < 0 || skip > h->n || len > h->n || pos + skip + len > h->n)
			return CMN_ERR_CORRUPT;
		a = pos + skip;
		b = a + len;
		g0 += a < s0 ? (b < s0 ? b : s0) - a : 0;
		g1 += a < s1 ? (b < s1 ? b : s1) - a : 0;
		pos = b;
	}
	*p0 = s0 - g0;
	*p1 = s1 - g1;
	return *p1 <= h->present ? CMN_OK : CMN_ERR_CORRUPT;
}

/*
 * chunk_sum_range answers from the header when [from, to) covers the whole
 * chunk (after the checksum, which is the cost then). Otherwise it turns
 * the range into slots (arithmetic for a regular series, a scan of the time
 * section for an irregular one), the slots into indexes of present values
 * (the gap runs), and decodes the value section up to the last index.
 */
enum cmn_rc chunk_sum_range(const uint8_t *chunk, size_t len, int64_t from, int64_t to,
			    struct chunk_agg *agg)
{
	struct hdr h;
	struct acc a;
	uint64_t s0, s1, p0 = 0, p1 = 0;
	enum cmn_rc rc;

	memset(agg, 0, sizeof(*agg));
	rc = hdr_parse(chunk, len, &h);
	if (rc != CMN_OK || from >= to || h.present == 0)
		return rc;
	if (from <= h.t_first && to > h.t_last) {
		agg->sum = h.sum;
		agg->count = h.present;
		agg->min = h.v_min;
		agg->max = h.v_max;
		return CMN_OK;
	}
	if (h.step > 0) {
		s0 = regular_slot(&h, from);
		s1 = regular_slot(&h, to);
	} else {
		rc = irregular_slots(&h, from, to, &s0, &s1);
	}
	if (rc == CMN_OK && s0 < s1)
		rc = present_before(&h, s0, s1, &p0, &p1);
	acc_init(&a);
	if (rc == CMN_OK && p0 < p1)
		rc = values_range(&h, p0, p1, &a);
	if (rc != CMN_OK || a.count == 0)
		return rc;
	agg->sum = acc_sum(&a);
	agg->count = a.count;
	agg->min = a.min;
	agg->max = a.max;
	return CMN_OK;
}

/* ---------------------------------------------------------------------- */
/* Streaming                                                              */
/* ---------------------------------------------------------------------- */

/* The private state of a struct chunk_iter, unpacked from its state[]
 * words on each call (iter_load) and packed back (iter_save). */
struct iter_state {
	uint64_t t_prev, t_ref; /* last time; reference of the time block (the step if regular) */
	uint64_t v_prev, v_ref; /* last value; reference (a value block: base) of the value block */
	uint32_t t_bit, v_bit;  /* bit offset of the next field, from the chunk's start */
	uint32_t gap_off;       /* byte offset of the next gap run */
	uint32_t v_given;       /* present values given so far */
	uint32_t run_present;   /* present slots left before the next run */
	uint32_t run_gap;       /* gap slots left in the current run */
	uint16_t t_left, v_left; /* fields left in the current block */
	uint8_t t_width, v_width;
};

static void iter_load(const struct chunk_iter *it, struct iter_state *s)
{
	const uint64_t *w = it->state;

	s->t_prev = w[0];
	s->t_ref = w[1];
	s->v_prev = w[2];
	s->v_ref = w[3];
	s->t_bit = (uint32_t)w[4];
	s->v_bit = (uint32_t)(w[4] >> 32);
	s->gap_off = (uint32_t)w[5];
	s->v_given = (uint32_t)(w[5] >> 32);
	s->run_present = (uint32_t)w[6];
	s->run_gap = (uint32_t)(w[6] >> 32);
	s->t_left = (uint16_t)w[7];
	s->v_left = (uint16_t)(w[7] >> 16);
	s->t_width = (uint8_t)(w[7] >> 32);
	s->v_width = (uint8_t)(w[7] >> 40);
}

static void iter_save(struct chunk_iter *it, const struct iter_state *s)
{
	uint64_t *w = it->state;

	w[0] = s->t_prev;
	w[1] = s->t_ref;
	w[2] = s->v_prev;
	w[3] = s->v_ref;
	w[4] = s->t_bit | (uint64_t)s->v_bit << 32;
	w[5] = s->gap_off | (uint64_t)s->v_given << 32;
	w[6] = s->run_present | (uint64_t)s->run_gap << 32;
	w[7] = s->t_left | (uint64_t)s->v_left << 16 | (uint64_t)s->t_width << 32 |
	       (uint64_t)s->v_width << 40;
}

/* A section read one field at a time (kept in struct iter_state). */
struct iter_cursor {
	uint32_t *bit;  /* bit offset of the next field, from the chunk's start */
	uint16_t *left; /* fields left in the current block */
	uint8_t *width; /* width byte of the current block (BLOCK_VALUES flag included) */
	uint64_t *ref;  /* its reference; for a value block, prev + ref: the base */
};

/* iter_block - starts the block of cnt fields that follows bit offset
 * *cur->bit (its header is at the next byte), within [c, end). 0, or -1. */
static int iter_block(const uint8_t *c, const uint8_t *end, const struct iter_cursor *cur,
		      uint32_t cnt, uint64_t prev)
{
	const uint8_t *p = c + (*cur->bit + 7) / 8;
	unsigned wb, w;
	uint64_t z;

	if (cnt == 0 || p >= end)
		return -1;
	wb = *p++;
	w = wb & ~BLOCK_VALUES;
	if (w > 64 || varint_get(&p, end, &z) != 0 || (size_t)(end - p) < ((size_t)cnt * w + 7) / 8)
		return -1;
	*cur->bit = (uint32_t)(p - c) * 8;
	*cur->width = (uint8_t)wb;
	*cur->ref = unzigzag(z) + (wb & BLOCK_VALUES ? prev : 0);
	*cur->left = (uint16_t)cnt;
	return 0;
}

/* iter_field - the w-bit field at bit offset bit of c (bounded by end). */
static uint64_t iter_field(const uint8_t *c, const uint8_t *end, uint32_t bit, unsigned w)
{
	const uint8_t *p = c + bit / 8;
	uint8_t tmp[16];
	size_t avail = (size_t)(end - p);
	unsigned sh = bit % 8;
	uint64_t x;

	if (w == 0)
		return 0;
	if (avail < 9) {
		memset(tmp, 0, sizeof(tmp));
		memcpy(tmp, p, avail);
		p = tmp;
	}
	x = load64(p) >> sh;
	if (sh && sh + w > 64)
		x |= (uint64_t)p[8] << (64 - sh);
	return w == 64 ? x : x & (((uint64_t)1 << w) - 1);
}

/* iter_next_value - the value after prev in a section, starting a block
 * when the last one is used up (remaining: values left in the section).
 * 0, or -1. */
static inline __attribute__((always_inline)) int
iter_next_value(const uint8_t *c, const uint8_t *end, const struct iter_cursor *cur,
		uint32_t remaining, uint64_t prev, uint64_t *x)
{
	unsigned w;

	if (*cur->left == 0 &&
	    iter_block(c, end, cur, remaining < BLOCK ? remaining : BLOCK, prev) != 0)
		return -1;
	w = *cur->width & ~BLOCK_VALUES;
	*x = *cur->ref + iter_field(c, end, *cur->bit, w) + (*cur->width & BLOCK_VALUES ? 0 : prev);
	*cur->bit += w;
	(*cur->left)--;
	return 0;
}

/* iter_is_gap - whether the next slot is a gap, moving along the runs. */
static int iter_is_gap(const struct hdr *h, struct iter_state *s, uint32_t slot)
{
	for (;;) {
		const uint8_t *p = h->c + s->gap_off;
		uint64_t skip, len;
		int r;

		if (s->run_present) {
			s->run_present--;
			return 0;
		}
		if (s->run_gap) {
			s->run_gap--;
			return 1;
		}
		r = gap_next(&p, h->ts, &skip, &len);
		if (r < 0 || skip > h->n || len > h->n)
			return -1;
		if (r == 0) {
			skip = h->n - slot;
			len = 0;
		}
		if (skip + len == 0)
			return -1;
		s->gap_off = (uint32_t)(p - h->c);
		s->run_present = (uint32_t)skip;
		s->run_gap = (uint32_t)len;
	}
}

/*
 * chunk_iter_init decodes the chunk once without keeping anything (the
 * same checks as chunk_decode), so that a corrupt chunk is refused before
 * its first point; chunk_iter_next then reads one field at a time.
 */
enum cmn_rc chunk_iter_init(struct chunk_iter *it, const uint8_t *chunk, size_t len)
{
	struct iter_state s;
	struct hdr h;
	enum cmn_rc rc;

	memset(it, 0, sizeof(*it));
	rc = hdr_parse(chunk, len, &h);
	if (rc == CMN_OK)
		rc = gaps_check(&h);
	if (rc == CMN_OK && h.step == 0)
		rc = times_walk(&h, NULL);
	if (rc == CMN_OK)
		rc = values_walk(&h, NULL);
	if (rc != CMN_OK)
		return rc;
	memset(&s, 0, sizeof(s));
	s.t_ref = u64_of(h.step);
	s.t_prev = u64_of(h.t_first) - s.t_ref;
	s.t_bit = (uint32_t)(h.ts - chunk) * 8;
	s.v_bit = (uint32_t)(h.vs - chunk) * 8;
	s.v_prev = u64_of(h.v_first);
	s.gap_off = CHUNK_HDR;
	iter_save(it, &s);
	it->p = chunk;
	it->end = chunk + len;
	it->left = h.n;
	return CMN_OK;
}

/* iter_fail - makes every later call return -1 too. */
static int iter_fail(struct chunk_iter *it)
{
	it->p = NULL;
	it->left = 0;
	return -1;
}

int chunk_iter_next(struct chunk_iter *it, int64_t *t, int64_t *v)
{
	struct iter_state s;
	struct iter_cursor tc = {&s.t_bit, &s.t_left, &s.t_width, &s.t_ref};
	struct iter_cursor vc = {&s.v_bit, &s.v_left, &s.v_width, &s.v_ref};
	struct hdr h;
	uint32_t slot;
	uint64_t x;
	int gap;

	if (!it->p)
		return -1;
	if (it->left == 0)
		return 0;
	hdr_sections(it->p, &h);
	iter_load(it, &s);
	slot = h.n - it->left;
	if (h.step > 0) {
		s.t_prev += s.t_ref; /* the step */
	} else if (slot > 0) {
		if (iter_next_value(it->p, h.vs, &tc, h.n - slot, s.t_prev, &x) != 0 ||
		    i64_of(x) <= i64_of(s.t_prev))
			return iter_fail(it);
		s.t_prev = x;
	}
	if (s.run_present) { /* the common case, inline */
		s.run_present--;
		gap = 0;
	} else {
		gap = iter_is_gap(&h, &s, slot);
	}
	if (gap < 0 || (!gap && s.v_given >= h.present))
		return iter_fail(it);
	if (!gap && s.v_given > 0) {
		if (iter_next_value(it->p, h.vs_end, &vc, h.present - s.v_given, s.v_prev, &x) !=
			0 ||
		    i64_of(x) == SERIES_GAP)
			return iter_fail(it);
		s.v_prev = x;
	}
	s.v_given += !gap;
	*t = i64_of(s.t_prev);
	*v = gap ? SERIES_GAP : i64_of(s.v_prev);
	iter_save(it, &s);
	it->left--;
	return 1;
}
