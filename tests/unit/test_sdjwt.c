/*
 * test_sdjwt.c - SD-JWT attestations (src/sdjwt/): the examples of RFC 9901
 * and a tampered variant of each, issue -> present -> verify round trips,
 * every rule of RFC 9901 §7.1 broken by hand, the Key Binding JWT's checks,
 * the Token Status List, and ES256 keys (RFC 7638 thumbprints).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "core/str.h"
#include "sdjwt/es256.h"
#include "sdjwt/sdjwt.h"

/*
 * The examples of RFC 9901 (Selective Disclosure for JSON Web Tokens,
 * November 2025), as data, byte for byte:
 *   §5.1  the issued SD-JWT;
 *   §5.2  the SD-JWT+KB presented from it;
 *   A.1   the presentation of the SD-JWT with decoys and a structured address;
 *   A.2   the presentation of the complex structured SD-JWT;
 *   A.3   the issued SD-JWT VC (PID) and the SD-JWT+KB presented from it;
 *   A.4   the issued SD-JWT (W3C VCDM 2.0) and the SD-JWT+KB presented from it.
 * The issuer key is the public key of Appendix A.5. The tokens are those
 * of draft-ietf-oauth-selective-disclosure-jwt-22, the draft RFC 9901 was
 * published from (its examples signed at -22: KB-JWTs of iat 1748537243),
 * from the -22 text in the working group's repository
 * (github.com/oauth-wg/oauth-selective-disclosure-jwt, directory
 * draft-ietf-oauth-selective-disclosure-jwt-22/, commit 7d2d606), the
 * 72-column wraps joined. Every issuer signature, KB-JWT signature,
 * digest and sd_hash was checked with an independent ES256 implementation
 * before it was copied here. The processed payloads (*_CLAIMS) are those
 * the RFC shows after §5.2, A.1, A.2, A.3 and A.4; for the issued tokens
 * of §5.1, A.3 and A.4, the input JWT Claims Set the RFC shows with the
 * always-visible claims the issuer added (iss, iat, exp, cnf).
 *
 * This file used to hold the vectors of the editors' copy of January 2025:
 * the same claims, salts and disclosures for §5.1, §5.2, A.2 and A.4, but
 * other ECDSA signatures (and KB-JWT iat 1737118540), and an older PID
 * example in A.3. They were dropped: they tested nothing the published
 * examples do not.
 */
#define RFC_ISSUER_JWK                                                                             \
	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ\","  \
	"\"y\":\"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8\"}"

/* the issuer-signed JWT of RFC 9901 §5.1 (also the start of §5.2) */
#define RFC_5_JWT                                                                                  \
	"eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJfc2QiOiBb"                     \
	"IkNyUWU3UzVrcUJBSHQtbk1ZWGdjNmJkdDJTSDVhVFkxc1VfTS1QZ2tqUEkiLCAiSnpZ"                     \
	"akg0c3ZsaUgwUjNQeUVNZmVadTZKdDY5dTVxZWhabzdGN0VQWWxTRSIsICJQb3JGYnBL"                     \
	"dVZ1Nnh5bUphZ3ZrRnNGWEFiUm9jMkpHbEFVQTJCQTRvN2NJIiwgIlRHZjRvTGJnd2Q1"                     \
	"SlFhSHlLVlFaVTlVZEdFMHc1cnREc3JaemZVYW9tTG8iLCAiWFFfM2tQS3QxWHlYN0tB"                     \
	"TmtxVlI2eVoyVmE1TnJQSXZQWWJ5TXZSS0JNTSIsICJYekZyendzY002R242Q0pEYzZ2"                     \
	"Vks4QmtNbmZHOHZPU0tmcFBJWmRBZmRFIiwgImdiT3NJNEVkcTJ4Mkt3LXc1d1BFemFr"                     \
	"b2I5aFYxY1JEMEFUTjNvUUw5Sk0iLCAianN1OXlWdWx3UVFsaEZsTV8zSmx6TWFTRnpn"                     \
	"bGhRRzBEcGZheVF3TFVLNCJdLCAiaXNzIjogImh0dHBzOi8vaXNzdWVyLmV4YW1wbGUu"                     \
	"Y29tIiwgImlhdCI6IDE2ODMwMDAwMDAsICJleHAiOiAxODgzMDAwMDAwLCAic3ViIjog"                     \
	"InVzZXJfNDIiLCAibmF0aW9uYWxpdGllcyI6IFt7Ii4uLiI6ICJwRm5kamtaX1ZDem15"                     \
	"VGE2VWpsWm8zZGgta284YUlLUWM5RGxHemhhVllvIn0sIHsiLi4uIjogIjdDZjZKa1B1"                     \
	"ZHJ5M2xjYndIZ2VaOGtoQXYxVTFPU2xlclAwVmtCSnJXWjAifV0sICJfc2RfYWxnIjog"                     \
	"InNoYS0yNTYiLCAiY25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJjcnYiOiAiUC0y"                     \
	"NTYiLCAieCI6ICJUQ0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9ISVAxSUxpbERsczd2Q2VH"                     \
	"ZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldLVlE0aGJTSWlyc1ZmdWVjQ0U2dDRqVDlG"                     \
	"MkhaUSJ9fX0.ow2VRoOnXDjBhV-c2XUX9zWmHhbd5hao3xa39DfE4UX_wlsBlh5KBsmK"                     \
	"eDd59GgpIbWFIomQWRy3A4L-St_6aQ"

/* RFC 9901 §5.1: the issued SD-JWT, with all ten Disclosures */
static const char rfc_5_1[] =
	RFC_5_JWT
	"~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd~Wy"
	"JlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd~WyI2S"
	"Wo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgImVtYWlsIiwgImpvaG5kb2VAZXhhbXBsZS5jb"
	"20iXQ~WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgInBob25lX251bWJlciIsICIrMS"
	"0yMDItNTU1LTAxMDEiXQ~WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgInBob25lX25"
	"1bWJlcl92ZXJpZmllZCIsIHRydWVd~WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgIm"
	"FkZHJlc3MiLCB7InN0cmVldF9hZGRyZXNzIjogIjEyMyBNYWluIFN0IiwgImxvY2FsaX"
	"R5IjogIkFueXRvd24iLCAicmVnaW9uIjogIkFueXN0YXRlIiwgImNvdW50cnkiOiAiVV"
	"MifV0~WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZRIiwgImJpcnRoZGF0ZSIsICIxOTQwLT"
	"AxLTAxIl0~WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiwgInVwZGF0ZWRfYXQiLCAxNT"
	"cwMDAwMDAwXQ~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0~WyJuUHVvUW5"
	"rUkZxM0JJZUFtN0FuWEZBIiwgIkRFIl0~";

/* RFC 9901 §5.2: the SD-JWT+KB disclosing family_name, address,
 * given_name and one nationality (KB-JWT iat 1748537243) */
static const char rfc_5_2[] =
	RFC_5_JWT
	"~WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd~Wy"
	"JBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImFkZHJlc3MiLCB7InN0cmVldF9hZGRyZX"
	"NzIjogIjEyMyBNYWluIFN0IiwgImxvY2FsaXR5IjogIkFueXRvd24iLCAicmVnaW9uIj"
	"ogIkFueXN0YXRlIiwgImNvdW50cnkiOiAiVVMifV0~WyIyR0xDNDJzS1F2ZUNmR2ZyeU"
	"5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd~WyJsa2x4RjVqTVlsR1RQVW92TU5Jd"
	"kNBIiwgIlVTIl0~eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImtiK2p3dCJ9.eyJub25j"
	"ZSI6ICIxMjM0NTY3ODkwIiwgImF1ZCI6ICJodHRwczovL3ZlcmlmaWVyLmV4YW1wbGUu"
	"b3JnIiwgImlhdCI6IDE3NDg1MzcyNDMsICJzZF9oYXNoIjogIkczSTh6LWNGTUFUQUsy"
	"ZXA4TVhXay12bmpJM1g2LWFhaFllVTlUdnp6M0UifQ.PqD8kiTmgP5PDvnRB8PzuzHYU"
	"5hH8bEw88jFN9aT5a5CblBjVcFig044UoWeJU6cUqBPAXVh0XAL8of4_Sp71g";

/* RFC 9901 Appendix A.1: the presentation of the SD-JWT with decoy
 * digests and a structured address, disclosing region and country */
static const char rfc_a_1[] =
	"eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJfc2QiOiBb"
	"IkM5aW5wNllvUmFFWFI0Mjd6WUpQN1FyazFXSF84YmR3T0FfWVVyVW5HUVUiLCAiS3Vl"
	"dDF5QWEwSElRdlluT1ZkNTloY1ZpTzlVZzZKMmtTZnFZUkJlb3d2RSIsICJNTWxkT0ZG"
	"ekIyZDB1bWxtcFRJYUdlcmhXZFVfUHBZZkx2S2hoX2ZfOWFZIiwgIlg2WkFZT0lJMnZQ"
	"TjQwVjd4RXhad1Z3ejd5Um1MTmNWd3Q1REw4Ukx2NGciLCAiWTM0em1JbzBRTExPdGRN"
	"cFhHd2pCZ0x2cjE3eUVoaFlUMEZHb2ZSLWFJRSIsICJmeUdwMFdUd3dQdjJKRFFsbjFs"
	"U2lhZW9iWnNNV0ExMGJRNTk4OS05RFRzIiwgIm9tbUZBaWNWVDhMR0hDQjB1eXd4N2ZZ"
	"dW8zTUhZS08xNWN6LVJaRVlNNVEiLCAiczBCS1lzTFd4UVFlVTh0VmxsdE03TUtzSVJU"
	"ckVJYTFQa0ptcXhCQmY1VSJdLCAiaXNzIjogImh0dHBzOi8vaXNzdWVyLmV4YW1wbGUu"
	"Y29tIiwgImlhdCI6IDE2ODMwMDAwMDAsICJleHAiOiAxODgzMDAwMDAwLCAiYWRkcmVz"
	"cyI6IHsiX3NkIjogWyI2YVVoelloWjdTSjFrVm1hZ1FBTzN1MkVUTjJDQzFhSGhlWnBL"
	"bmFGMF9FIiwgIkF6TGxGb2JrSjJ4aWF1cFJFUHlvSnotOS1OU2xkQjZDZ2pyN2ZVeW9I"
	"emciLCAiUHp6Y1Z1MHFiTXVCR1NqdWxmZXd6a2VzRDl6dXRPRXhuNUVXTndrclEtayIs"
	"ICJiMkRrdzBqY0lGOXJHZzhfUEY4WmN2bmNXN3p3Wmo1cnlCV3ZYZnJwemVrIiwgImNQ"
	"WUpISVo4VnUtZjlDQ3lWdWIyVWZnRWs4anZ2WGV6d0sxcF9KbmVlWFEiLCAiZ2xUM2hy"
	"U1U3ZlNXZ3dGNVVEWm1Xd0JUdzMyZ25VbGRJaGk4aEdWQ2FWNCIsICJydkpkNmlxNlQ1"
	"ZWptc0JNb0d3dU5YaDlxQUFGQVRBY2k0MG9pZEVlVnNBIiwgInVOSG9XWWhYc1poVkpD"
	"TkUyRHF5LXpxdDd0NjlnSkt5NVFhRnY3R3JNWDQiXX0sICJfc2RfYWxnIjogInNoYS0y"
	"NTYifQ.WWmFzrc3IRJFnvpmKGw_g9jYWnZxyZ7bGvZHkLI8159HJl8y-BBZ2K09bnMkm"
	"6QWlxLYpUIbolRHK75Jxk-SWw~WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiwgInJlZ2"
	"lvbiIsICJcdTZlMmZcdTUzM2EiXQ~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgImN"
	"vdW50cnkiLCAiSlAiXQ~";

/* RFC 9901 Appendix A.2: the presentation of the complex structured
 * SD-JWT (OpenID Connect for Identity Assurance, an array element
 * disclosed recursively) */
static const char rfc_a_2[] =
	"eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJfc2QiOiBb"
	"Ii1hU3puSWQ5bVdNOG9jdVFvbENsbHN4VmdncTEtdkhXNE90bmhVdFZtV3ciLCAiSUti"
	"cllObjN2QTdXRUZyeXN2YmRCSmpERFVfRXZRSXIwVzE4dlRScFVTZyIsICJvdGt4dVQx"
	"NG5CaXd6TkozTVBhT2l0T2w5cFZuWE9hRUhhbF94a3lOZktJIl0sICJpc3MiOiAiaHR0"
	"cHM6Ly9pc3N1ZXIuZXhhbXBsZS5jb20iLCAiaWF0IjogMTY4MzAwMDAwMCwgImV4cCI6"
	"IDE4ODMwMDAwMDAsICJ2ZXJpZmllZF9jbGFpbXMiOiB7InZlcmlmaWNhdGlvbiI6IHsi"
	"X3NkIjogWyI3aDRVRTlxU2N2REtvZFhWQ3VvS2ZLQkpwVkJmWE1GX1RtQUdWYVplM1Nj"
	"IiwgInZUd2UzcmFISUZZZ0ZBM3hhVUQyYU14Rno1b0RvOGlCdTA1cUtsT2c5THciXSwg"
	"InRydXN0X2ZyYW1ld29yayI6ICJkZV9hbWwiLCAiZXZpZGVuY2UiOiBbeyIuLi4iOiAi"
	"dFlKMFREdWN5WlpDUk1iUk9HNHFSTzV2a1BTRlJ4RmhVRUxjMThDU2wzayJ9XX0sICJj"
	"bGFpbXMiOiB7Il9zZCI6IFsiUmlPaUNuNl93NVpIYWFka1FNcmNRSmYwSnRlNVJ3dXJS"
	"czU0MjMxRFRsbyIsICJTXzQ5OGJicEt6QjZFYW5mdHNzMHhjN2NPYW9uZVJyM3BLcjdO"
	"ZFJtc01vIiwgIldOQS1VTks3Rl96aHNBYjlzeVdPNklJUTF1SGxUbU9VOHI4Q3ZKMGNJ"
	"TWsiLCAiV3hoX3NWM2lSSDliZ3JUQkppLWFZSE5DTHQtdmpoWDFzZC1pZ09mXzlsayIs"
	"ICJfTy13SmlIM2VuU0I0Uk9IbnRUb1FUOEptTHR6LW1oTzJmMWM4OVhvZXJRIiwgImh2"
	"RFhod21HY0pRc0JDQTJPdGp1TEFjd0FNcERzYVUwbmtvdmNLT3FXTkUiXX19LCAiX3Nk"
	"X2FsZyI6ICJzaGEtMjU2In0.O38EcHIv7tKbnDcEugtuGpI_YXkVTyrQhNPg6rywVzhM"
	"h7FJ9qDcPHs8YZ-9DjYlRHBgix4j4vx-ZiZQMlUxkw~WyIyR0xDNDJzS1F2ZUNmR2Zye"
	"U5STjl3IiwgInRpbWUiLCAiMjAxMi0wNC0yM1QxODoyNVoiXQ~WyJQYzMzSk0yTGNoY1"
	"VfbEhnZ3ZfdWZRIiwgeyJfc2QiOiBbIjl3cGpWUFd1RDdQSzBuc1FETDhCMDZsbWRnVj"
	"NMVnliaEh5ZFFwVE55TEkiLCAiRzVFbmhPQU9vVTlYXzZRTU52ekZYanBFQV9SYy1BRX"
	"RtMWJHX3djYUtJayIsICJJaHdGcldVQjYzUmNacTl5dmdaMFhQYzdHb3doM08ya3FYZU"
	"JJc3dnMUI0IiwgIldweFE0SFNvRXRjVG1DQ0tPZURzbEJfZW11Y1lMejJvTzhvSE5yMW"
	"JFVlEiXX1d~WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgIm1ldGhvZCIsICJwaXBwI"
	"l0~WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiwgImdpdmVuX25hbWUiLCAiTWF4Il0~W"
	"yJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgImZhbWlseV9uYW1lIiwgIk1cdTAwZmNsb"
	"GVyIl0~WyJ5MXNWVTV3ZGZKYWhWZGd3UGdTN1JRIiwgImFkZHJlc3MiLCB7ImxvY2Fsa"
	"XR5IjogIk1heHN0YWR0IiwgInBvc3RhbF9jb2RlIjogIjEyMzQ0IiwgImNvdW50cnkiO"
	"iAiREUiLCAic3RyZWV0X2FkZHJlc3MiOiAiV2VpZGVuc3RyYVx1MDBkZmUgMjIifV0~";

/* the issuer-signed JWT of RFC 9901 Appendix A.3 (SD-JWT VC, typ dc+sd-jwt) */
#define RFC_A3_JWT                                                                                 \
	"eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImRjK3NkLWp3dCJ9.eyJfc2QiOiBbIjBIWm1"                     \
	"uU0lQejMzN2tTV2U3QzM0bC0tODhnekppLWVCSjJWel9ISndBVGciLCAiMUNybjAzV21"                     \
	"VZVJXcDR6d1B2dkNLWGw5WmFRcC1jZFFWX2dIZGFHU1dvdyIsICIycjAwOWR6dkh1VnJ"                     \
	"XclJYVDVrSk1tSG5xRUhIbldlME1MVlp3OFBBVEI4IiwgIjZaTklTRHN0NjJ5bWxyT0F"                     \
	"rYWRqZEQ1WnVsVDVBMjk5Sjc4U0xoTV9fT3MiLCAiNzhqZzc3LUdZQmVYOElRZm9FTFB"                     \
	"5TDBEWVBkbWZabzBKZ1ZpVjBfbEtDTSIsICI5MENUOEFhQlBibjVYOG5SWGtlc2p1MWk"                     \
	"wQnFoV3FaM3dxRDRqRi1xREdrIiwgIkkwMGZjRlVvRFhDdWNwNXl5MnVqcVBzc0RWR2F"                     \
	"XTmlVbGlOel9hd0QwZ2MiLCAiS2pBWGdBQTlONVdIRUR0UkloNHU1TW4xWnNXaXhoaFd"                     \
	"BaVgtQTRRaXdnQSIsICJMYWk2SVU2ZDdHUWFnWFI3QXZHVHJuWGdTbGQzejhFSWdfZnY"                     \
	"zZk9aMVdnIiwgIkxlemphYlJxaVpPWHpFWW1WWmY4Uk1pOXhBa2QzX00xTFo4VTdFNHM"                     \
	"zdTQiLCAiUlR6M3FUbUZOSGJwV3JyT01aUzQxRjQ3NGtGcVJ2M3ZJUHF0aDZQVWhsTSI"                     \
	"sICJXMTRYSGJVZmZ6dVc0SUZNanBTVGIxbWVsV3hVV2Y0Tl9vMmxka2tJcWM4IiwgIld"                     \
	"UcEk3UmNNM2d4WnJ1UnBYemV6U2JrYk9yOTNQVkZ2V3g4d29KM2oxY0UiLCAiX29oSlZ"                     \
	"JUUlCc1U0dXBkTlM0X3c0S2IxTUhxSjBMOXFMR3NoV3E2SlhRcyIsICJ5NTBjemMwSVN"                     \
	"DaHlfYnNiYTFkTW9VdUFPUTVBTW1PU2ZHb0VlODF2MUZVIl0sICJpc3MiOiAiaHR0cHM"                     \
	"6Ly9waWQtaXNzdWVyLmJ1bmQuZGUuZXhhbXBsZSIsICJpYXQiOiAxNjgzMDAwMDAwLCA"                     \
	"iZXhwIjogMTg4MzAwMDAwMCwgInZjdCI6ICJ1cm46ZXVkaTpwaWQ6ZGU6MSIsICJfc2R"                     \
	"fYWxnIjogInNoYS0yNTYiLCAiY25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJjcnY"                     \
	"iOiAiUC0yNTYiLCAieCI6ICJUQ0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9ISVAxSUxpbER"                     \
	"sczd2Q2VHZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldLVlE0aGJTSWlyc1ZmdWVjQ0U"                     \
	"2dDRqVDlGMkhaUSJ9fX0.faxhsvoEKQ8spuwclkzyHKwRAAzYnIu6MSVLgIuzRJ1cccT"                     \
	"jRp4bdSmYxmY2EB-F7-7UdnPANNL4j6JW-F8_gA"

/* RFC 9901 Appendix A.3: the issued SD-JWT VC of a Person
 * Identification Data (PID) credential, 27 Disclosures */
static const char rfc_a_3[] =
	RFC_A3_JWT
	"~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiRXJpa2EiXQ~"
	"WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIk11c3Rlcm1h"
	"bm4iXQ~WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgImJpcnRoZGF0ZSIsICIxOTYzL"
	"TA4LTEyIl0~WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgInN0cmVldF9hZGRyZXNzI"
	"iwgIkhlaWRlc3RyYVx1MDBkZmUgMTciXQ~WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIi"
	"wgImxvY2FsaXR5IiwgIktcdTAwZjZsbiJd~WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BI"
	"iwgInBvc3RhbF9jb2RlIiwgIjUxMTQ3Il0~WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZRI"
	"iwgImNvdW50cnkiLCAiREUiXQ~WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiwgImFkZH"
	"Jlc3MiLCB7Il9zZCI6IFsiQUxaRVJzU241V05pRVhkQ2tzVzhJNXFRdzNfTnBBblJxcF"
	"NBWkR1ZGd3OCIsICJEX19XX3VZY3ZSejN0dlVuSUp2QkRIaVRjN0NfX3FIZDB4Tkt3SX"
	"NfdzlrIiwgImVCcENYVTFKNWRoSDJnNHQ4UVlOVzVFeFM5QXhVVmJsVW9kb0xZb1Bobz"
	"AiLCAieE9QeTktZ0pBTEs2VWJXS0ZMUjg1Y09CeVVEM0FiTndGZzNJM1lmUUVfSSJdfV"
	"0~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIm5hdGlvbmFsaXRpZXMiLCBbIkRFIl"
	"1d~WyJuUHVvUW5rUkZxM0JJZUFtN0FuWEZBIiwgInNleCIsIDJd~WyI1YlBzMUlxdVpO"
	"YTBoa2FGenp6Wk53IiwgImJpcnRoX2ZhbWlseV9uYW1lIiwgIkdhYmxlciJd~WyI1YTJ"
	"XMF9OcmxFWnpmcW1rXzdQcS13IiwgImxvY2FsaXR5IiwgIkJlcmxpbiJd~WyJ5MXNWVT"
	"V3ZGZKYWhWZGd3UGdTN1JRIiwgImNvdW50cnkiLCAiREUiXQ~WyJIYlE0WDhzclZXM1F"
	"EeG5JSmRxeU9BIiwgInBsYWNlX29mX2JpcnRoIiwgeyJfc2QiOiBbIktVVmlhYUxuWTV"
	"qU01MOTBHMjlPT0xFTlBiYlhmaFNqU1BNalphR2t4QUUiLCAiWWJzVDBTNzZWcVhDVnN"
	"kMWpVU2x3S1BEZ21BTGVCMXVaY2xGSFhmLVVTUSJdfV0~WyJDOUdTb3VqdmlKcXVFZ1l"
	"mb2pDYjFBIiwgIjEyIiwgdHJ1ZV0~WyJreDVrRjE3Vi14MEptd1V4OXZndnR3IiwgIjE"
	"0IiwgdHJ1ZV0~WyJIM28xdXN3UDc2MEZpMnllR2RWQ0VRIiwgIjE2IiwgdHJ1ZV0~WyJ"
	"PQktsVFZsdkxnLUFkd3FZR2JQOFpBIiwgIjE4IiwgdHJ1ZV0~WyJNMEpiNTd0NDF1YnJ"
	"rU3V5ckRUM3hBIiwgIjIxIiwgdHJ1ZV0~WyJEc210S05ncFY0ZEFIcGpyY2Fvc0F3Iiw"
	"gIjY1IiwgZmFsc2Vd~WyJlSzVvNXBIZmd1cFBwbHRqMXFoQUp3IiwgImFnZV9lcXVhbF"
	"9vcl9vdmVyIiwgeyJfc2QiOiBbIjF0RWl5elBSWU9Lc2Y3U3NZR01nUFpLc09UMWxRWl"
	"J4SFhBMHI1X0J3a2siLCAiQ1ZLbmx5NVA5MHlKczNFd3R4UWlPdFVjemFYQ1lOQTRJY3"
	"pSYW9ock1EZyIsICJhNDQtZzJHcjhfM0FtSncyWFo4a0kxeTBRel96ZTlpT2NXMlczUk"
	"xwWEdnIiwgImdrdnkwRnV2QkJ2ajBoczJaTnd4Y3FPbGY4bXUyLWtDRTctTmIyUXh1Ql"
	"UiLCAiaHJZNEhubUY1YjVKd0M5ZVR6YUZDVWNlSVFBYUlkaHJxVVhRTkNXYmZaSSIsIC"
	"J5NlNGclZGUnlxNTBJYlJKdmlUWnFxalFXejB0TGl1Q21NZU8wS3FhekdJIl19XQ~WyJ"
	"qN0FEZGIwVVZiMExpMGNpUGNQMGV3IiwgImFnZV9pbl95ZWFycyIsIDYyXQ~WyJXcHhK"
	"ckZ1WDh1U2kycDRodDA5anZ3IiwgImFnZV9iaXJ0aF95ZWFyIiwgMTk2M10~WyJhdFNt"
	"RkFDWU1iSlZLRDA1bzNKZ3RRIiwgImlzc3VhbmNlX2RhdGUiLCAiMjAyMC0wMy0xMSJd"
	"~WyI0S3lSMzJvSVp0LXprV3ZGcWJVTEtnIiwgImV4cGlyeV9kYXRlIiwgIjIwMzAtMDM"
	"tMTIiXQ~WyJjaEJDc3loeWgtSjg2SS1hd1FEaUNRIiwgImlzc3VpbmdfYXV0aG9yaXR5"
	"IiwgIkRFIl0~WyJmbE5QMW5jTXo5TGctYzlxTUl6XzlnIiwgImlzc3VpbmdfY291bnRy"
	"eSIsICJERSJd~";

/* RFC 9901 Appendix A.3: the SD-JWT+KB disclosing only the
 * nationalities and that the person is 18 or over */
static const char rfc_a_3_kb[] =
	RFC_A3_JWT
	"~WyJlSzVvNXBIZmd1cFBwbHRqMXFoQUp3IiwgImFnZV9lcXVhbF9vcl9vdmVyIiwgeyJ"
	"fc2QiOiBbIjF0RWl5elBSWU9Lc2Y3U3NZR01nUFpLc09UMWxRWlJ4SFhBMHI1X0J3a2s"
	"iLCAiQ1ZLbmx5NVA5MHlKczNFd3R4UWlPdFVjemFYQ1lOQTRJY3pSYW9ock1EZyIsICJ"
	"hNDQtZzJHcjhfM0FtSncyWFo4a0kxeTBRel96ZTlpT2NXMlczUkxwWEdnIiwgImdrdnk"
	"wRnV2QkJ2ajBoczJaTnd4Y3FPbGY4bXUyLWtDRTctTmIyUXh1QlUiLCAiaHJZNEhubUY"
	"1YjVKd0M5ZVR6YUZDVWNlSVFBYUlkaHJxVVhRTkNXYmZaSSIsICJ5NlNGclZGUnlxNTB"
	"JYlJKdmlUWnFxalFXejB0TGl1Q21NZU8wS3FhekdJIl19XQ~WyJPQktsVFZsdkxnLUFk"
	"d3FZR2JQOFpBIiwgIjE4IiwgdHJ1ZV0~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwg"
	"Im5hdGlvbmFsaXRpZXMiLCBbIkRFIl1d~eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImt"
	"iK2p3dCJ9.eyJub25jZSI6ICIxMjM0NTY3ODkwIiwgImF1ZCI6ICJodHRwczovL3Zlcm"
	"lmaWVyLmV4YW1wbGUub3JnIiwgImlhdCI6IDE3NDg1MzcyNDMsICJzZF9oYXNoIjogIj"
	"QtQU5pZVFLcGFDSDlYRExpanp0dm1KQ25vRkliZG9JMXpRbDcyQ1lFeHMifQ.ntC_25h"
	"VM0v4VO-fjqNBE74gl0AyCoxQjvfFDl5DrmVPeTkrVdmCdkF3nFGPh8Ob3CZWv5-WGdD"
	"bp1JOFXAH8g";

/* the issuer-signed JWT of RFC 9901 Appendix A.4 (W3C VCDM 2.0 payload) */
#define RFC_A4_JWT                                                                                 \
	"eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJAY29udGV4"                     \
	"dCI6IFsiaHR0cHM6Ly93d3cudzMub3JnLzIwMTgvY3JlZGVudGlhbHMvdjEiLCAiaHR0"                     \
	"cHM6Ly93M2lkLm9yZy92YWNjaW5hdGlvbi92MSJdLCAidHlwZSI6IFsiVmVyaWZpYWJs"                     \
	"ZUNyZWRlbnRpYWwiLCAiVmFjY2luYXRpb25DZXJ0aWZpY2F0ZSJdLCAiaXNzdWVyIjog"                     \
	"Imh0dHBzOi8vZXhhbXBsZS5jb20vaXNzdWVyIiwgImlzc3VhbmNlRGF0ZSI6ICIyMDIz"                     \
	"LTAyLTA5VDExOjAxOjU5WiIsICJleHBpcmF0aW9uRGF0ZSI6ICIyMDI4LTAyLTA4VDEx"                     \
	"OjAxOjU5WiIsICJuYW1lIjogIkNPVklELTE5IFZhY2NpbmF0aW9uIENlcnRpZmljYXRl"                     \
	"IiwgImRlc2NyaXB0aW9uIjogIkNPVklELTE5IFZhY2NpbmF0aW9uIENlcnRpZmljYXRl"                     \
	"IiwgImNyZWRlbnRpYWxTdWJqZWN0IjogeyJfc2QiOiBbIjFWX0stOGxEUThpRlhCRlhi"                     \
	"Wlk5ZWhxUjRIYWJXQ2k1VDB5Ykl6WlBld3ciLCAiSnpqTGd0UDI5ZFAtQjN0ZDEyUDY3"                     \
	"NGdGbUsyenk4MUhNdEJnZjZDSk5XZyIsICJSMmZHYmZBMDdaX1lsa3FtTlp5bWExeHl5"                     \
	"eDFYc3RJaVM2QjFZYmwySlo0IiwgIlRDbXpybDdLMmdldl9kdTdwY01JeXpSTEhwLVll"                     \
	"Zy1GbF9jeHRyVXZQeGciLCAiVjdrSkJMSzc4VG1WRE9tcmZKN1p1VVBIdUtfMmNjN3la"                     \
	"UmE0cVYxdHh3TSIsICJiMGVVc3ZHUC1PRERkRm9ZNE5semxYYzN0RHNsV0p0Q0pGNzVO"                     \
	"dzhPal9nIiwgInpKS19lU01YandNOGRYbU1aTG5JOEZHTTA4ekozX3ViR2VFTUotNVRC"                     \
	"eTAiXSwgInZhY2NpbmUiOiB7Il9zZCI6IFsiMWNGNWhMd2toTU5JYXFmV0pyWEk3Tk1X"                     \
	"ZWRMLTlmNlkyUEE1MnlQalNaSSIsICJIaXk2V1d1ZUxENWJuMTYyOTh0UHY3R1hobWxk"                     \
	"TURPVG5CaS1DWmJwaE5vIiwgIkxiMDI3cTY5MWpYWGwtakM3M3ZpOGViT2o5c214M0Mt"                     \
	"X29nN2dBNFRCUUUiXSwgInR5cGUiOiAiVmFjY2luZSJ9LCAicmVjaXBpZW50IjogeyJf"                     \
	"c2QiOiBbIjFsU1FCTlkyNHEwVGg2T0d6dGhxLTctNGw2Y0FheHJZWE9HWnBlV19sbkEi"                     \
	"LCAiM256THE4MU0yb04wNndkdjFzaEh2T0VKVnhaNUtMbWREa0hFREpBQldFSSIsICJQ"                     \
	"bjFzV2kwNkc0TEpybm4tX1JUMFJiTV9IVGR4blBKUXVYMmZ6V3ZfSk9VIiwgImxGOXV6"                     \
	"ZHN3N0hwbEdMYzcxNFRyNFdPN01HSnphN3R0N1FGbGVDWDRJdHciXSwgInR5cGUiOiAi"                     \
	"VmFjY2luZVJlY2lwaWVudCJ9LCAidHlwZSI6ICJWYWNjaW5hdGlvbkV2ZW50In0sICJf"                     \
	"c2RfYWxnIjogInNoYS0yNTYiLCAiY25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJj"                     \
	"cnYiOiAiUC0yNTYiLCAieCI6ICJUQ0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9ISVAxSUxp"                     \
	"bERsczd2Q2VHZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldLVlE0aGJTSWlyc1ZmdWVj"                     \
	"Q0U2dDRqVDlGMkhaUSJ9fX0.qmeQbxVxO-DgJdqIRe_QC3HGWmu3vUCandDFK2lPBSlT"                     \
	"kFKwDBkZjc6bM31unzp9FMJq3ys7x25FLXC7mcgw1Q"

/* RFC 9901 Appendix A.4: the issued SD-JWT of a vaccination certificate */
static const char rfc_a_4[] =
	RFC_A4_JWT
	"~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImF0Y0NvZGUiLCAiSjA3QlgwMyJd~Wy"
	"JlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgIm1lZGljaW5hbFByb2R1Y3ROYW1lIiwgIk"
	"NPVklELTE5IFZhY2NpbmUgTW9kZXJuYSJd~WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBI"
	"iwgIm1hcmtldGluZ0F1dGhvcml6YXRpb25Ib2xkZXIiLCAiTW9kZXJuYSBCaW90ZWNoI"
	"l0~WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgIm5leHRWYWNjaW5hdGlvbkRhdGUiL"
	"CAiMjAyMS0wOC0xNlQxMzo0MDoxMloiXQ~WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIi"
	"wgImNvdW50cnlPZlZhY2NpbmF0aW9uIiwgIkdFIl0~WyJBSngtMDk1VlBycFR0TjRRTU"
	"9xUk9BIiwgImRhdGVPZlZhY2NpbmF0aW9uIiwgIjIwMjEtMDYtMjNUMTM6NDA6MTJaIl"
	"0~WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZRIiwgIm9yZGVyIiwgIjMvMyJd~WyJHMDJOU"
	"3JRZmpGWFE3SW8wOXN5YWpBIiwgImdlbmRlciIsICJGZW1hbGUiXQ~WyJsa2x4RjVqTV"
	"lsR1RQVW92TU5JdkNBIiwgImJpcnRoRGF0ZSIsICIxOTYxLTA4LTE3Il0~WyJuUHVvUW"
	"5rUkZxM0JJZUFtN0FuWEZBIiwgImdpdmVuTmFtZSIsICJNYXJpb24iXQ~WyI1YlBzMUl"
	"xdVpOYTBoa2FGenp6Wk53IiwgImZhbWlseU5hbWUiLCAiTXVzdGVybWFubiJd~WyI1YT"
	"JXMF9OcmxFWnpmcW1rXzdQcS13IiwgImFkbWluaXN0ZXJpbmdDZW50cmUiLCAiUHJheG"
	"lzIFNvbW1lcmdhcnRlbiJd~WyJ5MXNWVTV3ZGZKYWhWZGd3UGdTN1JRIiwgImJhdGNoT"
	"nVtYmVyIiwgIjE2MjYzODI3MzYiXQ~WyJIYlE0WDhzclZXM1FEeG5JSmRxeU9BIiwgIm"
	"hlYWx0aFByb2Zlc3Npb25hbCIsICI4ODMxMTAwMDAwMTUzNzYiXQ~";

/* RFC 9901 Appendix A.4: the SD-JWT+KB disclosing the vaccine's
 * atcCode and medicinalProductName, order and dateOfVaccination */
static const char rfc_a_4_kb[] =
	RFC_A4_JWT
	"~WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZRIiwgIm9yZGVyIiwgIjMvMyJd~WyJBSngtMD"
	"k1VlBycFR0TjRRTU9xUk9BIiwgImRhdGVPZlZhY2NpbmF0aW9uIiwgIjIwMjEtMDYtMj"
	"NUMTM6NDA6MTJaIl0~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImF0Y0NvZGUiLC"
	"AiSjA3QlgwMyJd~WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgIm1lZGljaW5hbFByb"
	"2R1Y3ROYW1lIiwgIkNPVklELTE5IFZhY2NpbmUgTW9kZXJuYSJd~eyJhbGciOiAiRVMy"
	"NTYiLCAidHlwIjogImtiK2p3dCJ9.eyJub25jZSI6ICIxMjM0NTY3ODkwIiwgImF1ZCI"
	"6ICJodHRwczovL3ZlcmlmaWVyLmV4YW1wbGUub3JnIiwgImlhdCI6IDE3NDg1MzcyNDM"
	"sICJzZF9oYXNoIjogIkFoMW1raXh0em9FR1JmM0QybUNfQkowcU9FbHZyQlFZNVM0RlV"
	"4TXYtakEifQ.nTGV7BVJSHskB5uOcMzoOZHQW0rB5OGovXT5klsquLE7nzL38LoUhstt"
	"YG-84ibz9XOduxFhD-1VKqCTyPfpnw";

/* The processed payloads */
#define RFC_5_1_CLAIMS \
	"{\"sub\":\"user_42\",\"given_name\":\"John\",\"family_name\":\"Doe\",\"emai" \
	"l\":\"johndoe@example.com\",\"phone_number\":\"+1-202-555-0101\",\"pho" \
	"ne_number_verified\":true,\"address\":{\"street_address\":\"123 Main" \
	" St\",\"locality\":\"Anytown\",\"region\":\"Anystate\",\"country\":\"US\"}," \
	"\"birthdate\":\"1940-01-01\",\"updated_at\":1570000000,\"nationalitie" \
	"s\":[\"US\",\"DE\"],\"iss\":\"https://issuer.example.com\",\"iat\":168300" \
	"0000,\"exp\":1883000000,\"cnf\":{\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"" \
	"x\":\"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc\",\"y\":\"ZxjiWWbZ" \
	"MQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ\"}}}"

#define RFC_5_2_CLAIMS \
	"{\"iss\":\"https://issuer.example.com\",\"iat\":1683000000,\"exp\":188" \
	"3000000,\"sub\":\"user_42\",\"nationalities\":[\"US\"],\"cnf\":{\"jwk\":{\"" \
	"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilD" \
	"ls7vCeGemc\",\"y\":\"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ\"}" \
	"},\"family_name\":\"Doe\",\"address\":{\"street_address\":\"123 Main St" \
	"\",\"locality\":\"Anytown\",\"region\":\"Anystate\",\"country\":\"US\"},\"gi" \
	"ven_name\":\"John\"}"

#define RFC_A1_CLAIMS \
	"{\"iss\":\"https://issuer.example.com\",\"iat\":1683000000,\"exp\":188" \
	"3000000,\"address\":{\"region\":\"\\u6e2f\\u533a\",\"country\":\"JP\"}}"

#define RFC_A2_CLAIMS \
	"{\"iss\":\"https://issuer.example.com\",\"iat\":1683000000,\"exp\":188" \
	"3000000,\"verified_claims\":{\"verification\":{\"trust_framework\":\"" \
	"de_aml\",\"evidence\":[{\"method\":\"pipp\"}],\"time\":\"2012-04-23T18:2" \
	"5Z\"},\"claims\":{\"given_name\":\"Max\",\"family_name\":\"M\\u00fcller\"," \
	"\"address\":{\"locality\":\"Maxstadt\",\"postal_code\":\"12344\",\"countr" \
	"y\":\"DE\",\"street_address\":\"Weidenstra\\u00dfe 22\"}}}}"

#define RFC_A3_CLAIMS \
	"{\"vct\":\"urn:eudi:pid:de:1\",\"iss\":\"https://pid-issuer.bund.de.e" \
	"xample\",\"given_name\":\"Erika\",\"family_name\":\"Mustermann\",\"birth" \
	"date\":\"1963-08-12\",\"address\":{\"street_address\":\"Heidestra\\u00d" \
	"fe 17\",\"locality\":\"K\\u00f6ln\",\"postal_code\":\"51147\",\"country\":" \
	"\"DE\"},\"nationalities\":[\"DE\"],\"sex\":2,\"birth_family_name\":\"Gabl" \
	"er\",\"place_of_birth\":{\"locality\":\"Berlin\",\"country\":\"DE\"},\"age" \
	"_equal_or_over\":{\"12\":true,\"14\":true,\"16\":true,\"18\":true,\"21\":" \
	"true,\"65\":false},\"age_in_years\":62,\"age_birth_year\":1963,\"issu" \
	"ance_date\":\"2020-03-11\",\"expiry_date\":\"2030-03-12\",\"issuing_au" \
	"thority\":\"DE\",\"issuing_country\":\"DE\",\"iat\":1683000000,\"exp\":18" \
	"83000000,\"cnf\":{\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"TCAER19Zv" \
	"u3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc\",\"y\":\"ZxjiWWbZMQGHVWKVQ4hbS" \
	"IirsVfuecCE6t4jT9F2HZQ\"}}}"

#define RFC_A3_KB_CLAIMS \
	"{\"iss\":\"https://pid-issuer.bund.de.example\",\"iat\":1683000000,\"" \
	"exp\":1883000000,\"vct\":\"urn:eudi:pid:de:1\",\"cnf\":{\"jwk\":{\"kty\":" \
	"\"EC\",\"crv\":\"P-256\",\"x\":\"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vC" \
	"eGemc\",\"y\":\"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ\"}},\"ag" \
	"e_equal_or_over\":{\"18\":true},\"nationalities\":[\"DE\"]}"

#define RFC_A4_CLAIMS \
	"{\"@context\":[\"https://www.w3.org/2018/credentials/v1\",\"https:/" \
	"/w3id.org/vaccination/v1\"],\"type\":[\"VerifiableCredential\",\"Vac" \
	"cinationCertificate\"],\"issuer\":\"https://example.com/issuer\",\"i" \
	"ssuanceDate\":\"2023-02-09T11:01:59Z\",\"expirationDate\":\"2028-02-" \
	"08T11:01:59Z\",\"name\":\"COVID-19 Vaccination Certificate\",\"descr" \
	"iption\":\"COVID-19 Vaccination Certificate\",\"credentialSubject\"" \
	":{\"vaccine\":{\"type\":\"Vaccine\",\"atcCode\":\"J07BX03\",\"medicinalPr" \
	"oductName\":\"COVID-19 Vaccine Moderna\",\"marketingAuthorizationH" \
	"older\":\"Moderna Biotech\"},\"nextVaccinationDate\":\"2021-08-16T13" \
	":40:12Z\",\"countryOfVaccination\":\"GE\",\"dateOfVaccination\":\"2021" \
	"-06-23T13:40:12Z\",\"order\":\"3/3\",\"recipient\":{\"type\":\"VaccineRe" \
	"cipient\",\"gender\":\"Female\",\"birthDate\":\"1961-08-17\",\"givenName" \
	"\":\"Marion\",\"familyName\":\"Mustermann\"},\"type\":\"VaccinationEvent" \
	"\",\"administeringCentre\":\"Praxis Sommergarten\",\"batchNumber\":\"1" \
	"626382736\",\"healthProfessional\":\"883110000015376\"},\"cnf\":{\"jwk" \
	"\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"TCAER19Zvu3OHF4j4W4vfSVoHIP1I" \
	"LilDls7vCeGemc\",\"y\":\"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2H" \
	"ZQ\"}}}"

#define RFC_A4_KB_CLAIMS \
	"{\"@context\":[\"https://www.w3.org/2018/credentials/v1\",\"https:/" \
	"/w3id.org/vaccination/v1\"],\"type\":[\"VerifiableCredential\",\"Vac" \
	"cinationCertificate\"],\"issuer\":\"https://example.com/issuer\",\"i" \
	"ssuanceDate\":\"2023-02-09T11:01:59Z\",\"expirationDate\":\"2028-02-" \
	"08T11:01:59Z\",\"name\":\"COVID-19 Vaccination Certificate\",\"descr" \
	"iption\":\"COVID-19 Vaccination Certificate\",\"credentialSubject\"" \
	":{\"vaccine\":{\"type\":\"Vaccine\",\"atcCode\":\"J07BX03\",\"medicinalPr" \
	"oductName\":\"COVID-19 Vaccine Moderna\"},\"recipient\":{\"type\":\"Va" \
	"ccineRecipient\"},\"type\":\"VaccinationEvent\",\"order\":\"3/3\",\"date" \
	"OfVaccination\":\"2021-06-23T13:40:12Z\"},\"cnf\":{\"jwk\":{\"kty\":\"EC" \
	"\",\"crv\":\"P-256\",\"x\":\"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGe" \
	"mc\",\"y\":\"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ\"}}}"

#define RFC_NOW 1748537303       /* a minute after the examples' KB-JWTs (iat 1748537243) */
#define RFC_AUD "https://verifier.example.org"
#define RFC_NONCE "1234567890"

struct vector {
	const char *name;
	const char *token;
	const char *typ;                  /* the issuer JWT's typ */
	bool kb;
	size_t disclosures;               /* expected in r.disclosed */
	const char *claims;               /* the processed payload (JSON) */
};

static const struct vector vectors[] = {
	{ "RFC 9901 §5.1", rfc_5_1, "example+sd-jwt", false, 10, RFC_5_1_CLAIMS },
	{ "RFC 9901 §5.2", rfc_5_2, "example+sd-jwt", true, 4, RFC_5_2_CLAIMS },
	{ "RFC 9901 A.1", rfc_a_1, "example+sd-jwt", false, 2, RFC_A1_CLAIMS },
	{ "RFC 9901 A.2", rfc_a_2, "example+sd-jwt", false, 6, RFC_A2_CLAIMS },
	{ "RFC 9901 A.3", rfc_a_3, "dc+sd-jwt", false, 27, RFC_A3_CLAIMS },
	{ "RFC 9901 A.3 KB", rfc_a_3_kb, "dc+sd-jwt", true, 3, RFC_A3_KB_CLAIMS },
	{ "RFC 9901 A.4", rfc_a_4, "example+sd-jwt", false, 14, RFC_A4_CLAIMS },
	{ "RFC 9901 A.4 KB", rfc_a_4_kb, "example+sd-jwt", true, 4, RFC_A4_KB_CLAIMS },
};

static struct es256_key *rfc_issuer(void)
{
	json_t *jwk = json_loads(RFC_ISSUER_JWK, 0, NULL);
	struct es256_key *k = NULL;

	assert_int_equal(es256_from_jwk(jwk, &k), CMN_OK);
	json_decref(jwk);
	return k;
}

static enum cmn_rc verify_vector(const struct vector *v, const char *token,
				 const struct es256_key *issuer, struct sdjwt_result *r)
{
	struct sdjwt_verify_opts o = {
		.issuer_key = issuer, .typ = v->typ, .now = RFC_NOW, .skew = SDJWT_SKEW_S,
		.require_kb = v->kb, .aud = RFC_AUD, .nonce = RFC_NONCE,
		.kb_max_age = 3600,
	};

	return sdjwt_verify(token, strlen(token), &o, r);
}

/* Tampering: each makes a new token from an RFC example. */

static char *replace_span(const char *s, size_t at, size_t len, const char *with)
{
	size_t n = strlen(s), w = strlen(with);
	char *out = malloc(n - len + w + 1);

	assert_non_null(out);
	memcpy(out, s, at);
	memcpy(out + at, with, w);
	memcpy(out + at + w, s + at + len, n - at - len + 1);
	return out;
}

/* nth_part - the offset and length of the nth '~'-separated part. */
static void nth_part(const char *s, size_t nth, size_t *at, size_t *len)
{
	const char *p = s, *t;

	for (size_t i = 0; i < nth; i++) {
		p = strchr(p, '~');
		assert_non_null(p);
		p++;
	}
	t = strchr(p, '~');
	*at = (size_t)(p - s);
	*len = t ? (size_t)(t - p) : strlen(p);
}

static char *flip_signature(const char *s)
{
	size_t at, len;
	char *out, *sig;

	nth_part(s, 0, &at, &len);
	out = strdup(s);
	assert_non_null(out);
	sig = strchr(strchr(out + at, '.') + 1, '.');
	assert_true(sig && sig < out + at + len);
	sig[10] = sig[10] == 'A' ? 'B' : 'A';
	return out;
}

static char *b64_of(const char *json)
{
	char *enc = str_b64url_encode((const unsigned char *)json, strlen(json));

	assert_non_null(enc);
	return enc;
}

/* change_disclosure - the first disclosure with its value replaced */
static char *change_disclosure(const char *s)
{
	size_t at, len, n;
	unsigned char *raw;
	char *part, *text, *enc, *out;
	json_t *arr;

	nth_part(s, 1, &at, &len);
	part = strndup(s + at, len);
	assert_int_equal(str_b64url_decode(part, &raw, &n), CMN_OK);
	arr = json_loadb((const char *)raw, n, 0, NULL);
	assert_non_null(arr);
	json_array_set_new(arr, json_array_size(arr) - 1, json_string("Mallory"));
	text = json_dumps(arr, JSON_COMPACT);
	enc = b64_of(text);
	out = replace_span(s, at, len, enc);
	free(enc);
	free(text);
	json_decref(arr);
	free(raw);
	free(part);
	return out;
}

/* remove_digest - the issuer JWT with its first top-level digest gone
 * (and the signature as it was: an attacker has no issuer key) */
static char *remove_digest(const char *s)
{
	size_t at, len, n;
	const char *dot1, *dot2;
	unsigned char *raw;
	char *part, *text, *enc, *out;
	json_t *payload;

	nth_part(s, 0, &at, &len);
	dot1 = strchr(s, '.');
	dot2 = strchr(dot1 + 1, '.');
	part = strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	assert_int_equal(str_b64url_decode(part, &raw, &n), CMN_OK);
	payload = json_loadb((const char *)raw, n, 0, NULL);
	assert_non_null(payload);
	json_array_remove(json_object_get(payload, "_sd"), 0);
	text = json_dumps(payload, JSON_COMPACT);
	enc = b64_of(text);
	out = replace_span(s, (size_t)(dot1 + 1 - s), (size_t)(dot2 - dot1 - 1), enc);
	free(enc);
	free(text);
	json_decref(payload);
	free(raw);
	free(part);
	return out;
}

/* add_disclosure - a well-formed disclosure no digest references */
static char *add_disclosure(const char *s)
{
	size_t at, len;
	char *enc = b64_of("[\"c2FsdHNhbHRzYWx0c2FsdA\",\"role\",\"admin\"]"), *with, *out;

	nth_part(s, 1, &at, &len);
	with = malloc(strlen(enc) + 2);
	assert_non_null(with);
	snprintf(with, strlen(enc) + 2, "%s~", enc);
	out = replace_span(s, at, 0, with);
	free(with);
	free(enc);
	return out;
}

/* duplicate_disclosure - the first disclosure given twice */
static char *duplicate_disclosure(const char *s)
{
	size_t at, len;
	char *with, *out;

	nth_part(s, 1, &at, &len);
	with = malloc(len + 2);
	assert_non_null(with);
	memcpy(with, s + at, len);
	with[len] = '~';
	with[len + 1] = '\0';
	out = replace_span(s, at, 0, with);
	free(with);
	return out;
}

static void rfc_examples(void **state)
{
	static char *(*const tamper[])(const char *) = {
		flip_signature, change_disclosure, remove_digest, add_disclosure,
		duplicate_disclosure,
	};
	struct es256_key *issuer = rfc_issuer();
	struct sdjwt_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		enum cmn_rc rc = verify_vector(v, v->token, issuer, &r);

		if (rc != CMN_OK)
			fail_msg("%s: %s", v->name, r.why);
		assert_int_equal(r.key_bound, v->kb);
		assert_int_equal(json_array_size(r.disclosed), v->disclosures);
		assert_null(json_object_get(r.claims, "_sd"));
		assert_null(json_object_get(r.claims, "_sd_alg"));
		sdjwt_result_release(&r);
		for (size_t t = 0; t < sizeof(tamper) / sizeof(tamper[0]); t++) {
			char *bad = tamper[t](v->token);

			rc = verify_vector(v, bad, issuer, &r);
			if (rc == CMN_OK)
				fail_msg("%s: tampering %zu was accepted", v->name, t);
			assert_true(r.why[0] != '\0');
			assert_null(r.claims);
			free(bad);
		}
	}
	es256_free(&issuer);
}

/* sorted_parts - the '~'-separated disclosures of s (between the issuer
 * JWT and the final part), sorted, as a JSON array of strings */
static json_t *sorted_parts(const char *s, size_t n)
{
	json_t *all = json_array();
	const char *p = memchr(s, '~', n), *end = s + n, *t;
	size_t count;

	assert_non_null(all);
	assert_non_null(p);
	for (p++; p < end && (t = memchr(p, '~', (size_t)(end - p))) != NULL; p = t + 1)
		json_array_append_new(all, json_stringn(p, (size_t)(t - p)));
	count = json_array_size(all);
	for (size_t i = 1; i < count; i++) /* insertion sort: a handful of parts */
		for (size_t j = i; j > 0; j--) {
			json_t *a = json_array_get(all, j - 1), *b = json_array_get(all, j);

			if (strcmp(json_string_value(a), json_string_value(b)) <= 0)
				break;
			json_incref(a);
			json_array_set(all, j - 1, b);
			json_array_set_new(all, j, a);
		}
	return all;
}

/* The processed payloads the RFC shows (§5.2, A.1 .. A.4), or the input
 * JWT Claims Set it shows for an issued SD-JWT (§5.1, A.3, A.4) */
static void rfc_processed(void **state)
{
	struct es256_key *issuer = rfc_issuer();
	struct sdjwt_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		json_error_t err;
		json_t *want = json_loads(v->claims, 0, &err);

		if (!want)
			fail_msg("%s: the expected claims do not parse: %s", v->name, err.text);
		assert_int_equal(verify_vector(v, v->token, issuer, &r), CMN_OK);
		if (!json_equal(r.claims, want)) {
			char *got = json_dumps(r.claims, JSON_COMPACT | JSON_SORT_KEYS);

			fail_msg("%s: processed payload differs: %s", v->name, got ? got : "?");
		}
		json_decref(want);
		sdjwt_result_release(&r);
	}

	/* A.3 KB discloses age_equal_or_over (itself selectively disclosable),
	 * its member 18 and the nationalities */
	assert_int_equal(verify_vector(&vectors[5], rfc_a_3_kb, issuer, &r), CMN_OK);
	{
		const char *want[] = { "/age_equal_or_over", "/age_equal_or_over/18",
				       "/nationalities" };

		assert_int_equal(json_array_size(r.disclosed), 3);
		for (size_t w = 0; w < 3; w++) {
			bool found = false;
			size_t j;
			json_t *p;

			json_array_foreach(r.disclosed, j, p) {
				found = found || strcmp(json_string_value(p), want[w]) == 0;
			}
			if (!found)
				fail_msg("A.3 KB: %s was not reported as disclosed", want[w]);
		}
	}
	sdjwt_result_release(&r);

	/* the holder's side: asking for the four names of A.4 KB gives the
	 * RFC's disclosures (the RFC lists them in another order than their
	 * issuance, which the presentation keeps) */
	{
		const char *names[] = { "order", "dateOfVaccination", "atcCode",
					"medicinalProductName" };
		struct sdjwt_present p = { names, 4, NULL, NULL, NULL, 0 };
		char why[SDJWT_WHY_MAX];
		struct buf out;
		const char *kb = strrchr(rfc_a_4_kb, '~');
		json_t *got, *want;

		buf_init(&out, SDJWT_MAX_BYTES);
		if (sdjwt_present(rfc_a_4, strlen(rfc_a_4), &p, &out, why) != CMN_OK)
			fail_msg("present: %s", why);
		assert_memory_equal(out.data, RFC_A4_JWT "~", strlen(RFC_A4_JWT "~"));
		got = sorted_parts(out.data, out.len);
		want = sorted_parts(rfc_a_4_kb, (size_t)(kb + 1 - rfc_a_4_kb));
		assert_int_equal(json_array_size(want), 4);
		assert_true(json_equal(got, want));
		json_decref(got);
		json_decref(want);
		buf_release(&out);
	}
	/* asking only for "18", a claim inside age_equal_or_over, which is
	 * itself selectively disclosable in A.3: the parent is kept too, and
	 * the presentation verifies with 18 and nothing else of the ages */
	{
		const char *names[] = { "18" };
		struct sdjwt_present p = { names, 1, NULL, NULL, NULL, 0 };
		struct sdjwt_verify_opts o = { .issuer_key = issuer, .typ = "", .now = RFC_NOW,
					       .skew = SDJWT_SKEW_S };
		struct sdjwt_result nested = { 0 };
		char why[SDJWT_WHY_MAX];
		struct buf out;
		json_t *ages;

		buf_init(&out, SDJWT_MAX_BYTES);
		if (sdjwt_present(rfc_a_3, strlen(rfc_a_3), &p, &out, why) != CMN_OK)
			fail_msg("present: %s", why);
		if (sdjwt_verify(out.data, out.len, &o, &nested) != CMN_OK)
			fail_msg("a nested claim presented: %s", nested.why);
		ages = json_object_get(nested.claims, "age_equal_or_over");
		assert_true(json_is_true(json_object_get(ages, "18")));
		assert_int_equal(json_object_size(ages), 1);
		sdjwt_result_release(&nested);
		buf_release(&out);
	}
	es256_free(&issuer);
}

/* Our own issuer */

#define NOW 1750000000
#define ISS "https://bordeaux-metropole.example/attest"
#define VCT "https://commune.example/vct/solidarity-fare"
#define STATUS_URI "https://bordeaux-metropole.example/status/1"

struct world {
	struct es256_key *issuer, *holder, *other;
};

static int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w || es256_generate(&w->issuer) != CMN_OK || es256_generate(&w->holder) != CMN_OK ||
	    es256_generate(&w->other) != CMN_OK)
		return -1;
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;

	es256_free(&w->issuer);
	es256_free(&w->holder);
	es256_free(&w->other);
	free(w);
	return 0;
}

static char *issue(const struct world *w, unsigned decoys, int status_idx)
{
	json_t *visible = json_pack("{ss sI sI ss}", "iss", ISS, "iat", (json_int_t)NOW - 10,
				    "exp", (json_int_t)NOW + 86400, "vct", VCT);
	json_t *sd = json_pack("{ss ss ss si s{ss ss}}", "reduced_fare", "50%", "given_name",
			       "Camille", "family_name", "Martin", "family_quotient", 580,
			       "address", "locality", "Bordeaux", "postal_code", "33000");
	struct sdjwt_issue in = { w->issuer, visible, sd, w->holder, decoys, NULL };
	char why[SDJWT_WHY_MAX];
	struct buf out;

	if (status_idx >= 0)
		json_object_set_new(visible, "status",
				    json_pack("{s{sI ss}}", "status_list", "idx",
					      (json_int_t)status_idx, "uri", STATUS_URI));
	buf_init(&out, SDJWT_MAX_BYTES);
	if (sdjwt_issue(&in, &out, why) != CMN_OK)
		fail_msg("issue: %s", why);
	json_decref(visible);
	json_decref(sd);
	return buf_steal(&out);
}

static char *present(const struct world *w, const char *token, const char **names, size_t n,
		     const struct es256_key *holder, const char *nonce, int64_t iat)
{
	struct sdjwt_present p = { names, n, holder, "https://ticket-office.example", nonce, iat };
	char why[SDJWT_WHY_MAX];
	struct buf out;

	(void)w;
	buf_init(&out, SDJWT_MAX_BYTES);
	if (sdjwt_present(token, strlen(token), &p, &out, why) != CMN_OK)
		fail_msg("present: %s", why);
	return buf_steal(&out);
}

static struct sdjwt_verify_opts opts(const struct world *w)
{
	struct sdjwt_verify_opts o = {
		.issuer_key = w->issuer, .now = NOW, .skew = SDJWT_SKEW_S, .require_kb = true,
		.aud = "https://ticket-office.example", .nonce = "n-0S6_WzA2Mj",
	};

	return o;
}

static enum cmn_rc verify(const char *token, const struct sdjwt_verify_opts *o,
			  struct sdjwt_result *r)
{
	return sdjwt_verify(token, strlen(token), o, r);
}

/* decoded - every part of a presented token decoded, concatenated: what
 * a verifier can read, whatever it does with it */
static char *decoded(const char *token)
{
	struct buf all;
	char *copy = strdup(token), *save = NULL;

	buf_init(&all, 1 << 20);
	for (char *part = strtok_r(copy, "~.", &save); part; part = strtok_r(NULL, "~.", &save)) {
		unsigned char *raw;
		size_t n;

		if (str_b64url_decode(part, &raw, &n) != CMN_OK)
			continue;
		if (str_utf8_valid((const char *)raw, n)) { /* not a signature */
			buf_append(&all, raw, n);
			buf_puts(&all, "\n");
		}
		free(raw);
	}
	free(copy);
	return buf_steal(&all);
}

static void round_trip(void **state)
{
	struct world *w = *state;
	char *token = issue(w, 3, -1), *shown, *text;
	const char *names[] = { "reduced_fare" };
	struct sdjwt_verify_opts o = opts(w);
	struct sdjwt_result r;

	/* the holder checks what it got, without key binding */
	o.require_kb = false;
	assert_int_equal(verify(token, &o, &r), CMN_OK);
	assert_int_equal(json_array_size(r.disclosed), 5);
	assert_string_equal(json_string_value(json_object_get(r.claims, "vct")), VCT);
	sdjwt_result_release(&r);

	shown = present(w, token, names, 1, w->holder, "n-0S6_WzA2Mj", NOW);
	o = opts(w);
	if (verify(shown, &o, &r) != CMN_OK)
		fail_msg("verify: %s", r.why);
	assert_true(r.key_bound);
	assert_string_equal(json_string_value(json_object_get(r.claims, "reduced_fare")), "50%");
	assert_null(json_object_get(r.claims, "given_name"));
	assert_null(json_object_get(r.claims, "family_quotient"));
	assert_null(json_object_get(r.claims, "address"));
	assert_int_equal(json_array_size(r.disclosed), 1);
	assert_string_equal(json_string_value(json_array_get(r.disclosed, 0)), "/reduced_fare");
	sdjwt_result_release(&r);

	/* what the verifier could decode holds nothing else of the person */
	text = decoded(shown);
	assert_non_null(strstr(text, "reduced_fare"));
	assert_false(check_shows(text, "Camille"));
	assert_false(check_shows(text, "Martin"));
	assert_false(check_shows(text, "580"));
	assert_null(strstr(text, "Bordeaux\""));
	assert_false(check_shows(text, "33000"));
	free(text);
	free(shown);

	/* a presentation of two claims, one an object */
	{
		const char *two[] = { "address", "given_name" };

		shown = present(w, token, two, 2, w->holder, "n-0S6_WzA2Mj", NOW);
		assert_int_equal(verify(shown, &o, &r), CMN_OK);
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(r.claims, "address"), "postal_code")),
				    "33000");
		assert_null(json_object_get(r.claims, "reduced_fare"));
		sdjwt_result_release(&r);
		free(shown);
	}
	free(token);
}

/* The §7.1 rules, each broken in a token signed by a real issuer */

struct craft {
	json_t *payload;                  /* the issuer JWT's claims */
	struct buf disclosures;           /* "d1~d2~" */
};

/* disc - a disclosure of the JSON text json ("[salt,name,value]"); its
 * digest is written to digest when not NULL */
static char *disc(const char *json, char digest[ES256_KID_LEN])
{
	char *enc = b64_of(json);

	if (digest)
		sdjwt_digest(enc, strlen(enc), digest);
	return enc;
}

static void craft_add(struct craft *c, char *enc)
{
	buf_puts(&c->disclosures, enc);
	buf_puts(&c->disclosures, "~");
	free(enc);
}

static char *craft_token(const struct world *w, struct craft *c, const json_t *header)
{
	struct buf out;

	json_t *typ = json_pack("{ss}", "typ", SDJWT_TYP);

	buf_init(&out, SDJWT_MAX_BYTES);
	assert_int_equal(es256_jws_sign(w->issuer, header ? header : typ, c->payload, &out),
			 CMN_OK);
	json_decref(typ);
	buf_puts(&out, "~");
	if (c->disclosures.len)
		buf_append(&out, c->disclosures.data, c->disclosures.len);
	json_decref(c->payload);
	buf_release(&c->disclosures);
	return buf_steal(&out);
}

static void craft_init(struct craft *c)
{
	c->payload = json_pack("{ss sI sI ss s[] ss}", "iss", ISS, "iat", (json_int_t)NOW - 10,
			       "exp", (json_int_t)NOW + 100, "vct", VCT, "_sd", "_sd_alg",
			       "sha-256");
	buf_init(&c->disclosures, SDJWT_MAX_BYTES);
}

static void add_digest(struct craft *c, const char *pointer, const char *digest)
{
	json_t *at = c->payload;
	char path[64];
	char *save = NULL;

	snprintf(path, sizeof(path), "%s", pointer);
	for (char *p = strtok_r(path, "/", &save); p; p = strtok_r(NULL, "/", &save))
		at = json_object_get(at, p);
	json_array_append_new(at, json_string(digest));
}

/* refused - token is refused and the message names the rule */
static void refused(const struct world *w, char *token, const char *words)
{
	struct sdjwt_verify_opts o = opts(w);
	struct sdjwt_result r;

	o.require_kb = false;
	if (verify(token, &o, &r) == CMN_OK)
		fail_msg("accepted; expected a refusal about \"%s\"", words);
	if (!strstr(r.why, words))
		fail_msg("refusal \"%s\" does not say \"%s\"", r.why, words);
	assert_null(r.claims);
	free(token);
}

static char *accepted(const struct world *w, char *token, struct sdjwt_result *r)
{
	struct sdjwt_verify_opts o = opts(w);

	o.require_kb = false;
	if (verify(token, &o, r) != CMN_OK)
		fail_msg("refused: %s", r->why);
	free(token);
	return NULL;
}

static void rules_digests(void **state)
{
	struct world *w = *state;
	char dg[ES256_KID_LEN], dg2[ES256_KID_LEN];
	struct sdjwt_result r;
	struct craft c;

	/* an unreferenced disclosure */
	craft_init(&c);
	craft_add(&c, disc("[\"s1\",\"given_name\",\"Camille\"]", NULL));
	refused(w, craft_token(w, &c, NULL), "referenced by no digest");

	/* a digest twice in one _sd */
	craft_init(&c);
	craft_add(&c, disc("[\"s1\",\"given_name\",\"Camille\"]", dg));
	add_digest(&c, "/_sd", dg);
	add_digest(&c, "/_sd", dg);
	refused(w, craft_token(w, &c, NULL), "more than once");

	/* a digest twice in two places, and undisclosed: still refused */
	craft_init(&c);
	json_object_set_new(c.payload, "address", json_pack("{s[]}", "_sd"));
	free(disc("[\"s1\",\"locality\",\"Bordeaux\"]", dg));
	add_digest(&c, "/_sd", dg);
	add_digest(&c, "/address/_sd", dg);
	refused(w, craft_token(w, &c, NULL), "more than once");

	/* an array element digest met again in an _sd */
	craft_init(&c);
	free(disc("[\"s2\",\"FR\"]", dg));
	json_object_set_new(c.payload, "nationalities", json_pack("[{ss}]", "...", dg));
	add_digest(&c, "/_sd", dg);
	refused(w, craft_token(w, &c, NULL), "more than once");

	/* the same disclosure twice */
	craft_init(&c);
	craft_add(&c, disc("[\"s1\",\"given_name\",\"Camille\"]", dg));
	craft_add(&c, disc("[\"s1\",\"given_name\",\"Camille\"]", NULL));
	add_digest(&c, "/_sd", dg);
	refused(w, craft_token(w, &c, NULL), "appears twice");

	/* decoys and undisclosed digests are fine; nested disclosures work */
	craft_init(&c);
	craft_add(&c, disc("[\"s3\",\"locality\",\"Bordeaux\"]", dg2));
	{
		char text[200];

		snprintf(text, sizeof(text), "[\"s4\",\"address\",{\"_sd\":[\"%s\"],\"c\":1}]",
			 dg2);
		craft_add(&c, disc(text, dg));
	}
	add_digest(&c, "/_sd", dg);
	add_digest(&c, "/_sd", "decoy-digest-that-matches-nothing-0000000000");
	accepted(w, craft_token(w, &c, NULL), &r);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(r.claims, "address"), "locality")), "Bordeaux");
	assert_int_equal(json_array_size(r.disclosed), 2);
	assert_string_equal(json_string_value(json_array_get(r.disclosed, 0)), "/address/locality");
	assert_string_equal(json_string_value(json_array_get(r.disclosed, 1)), "/address");
	sdjwt_result_release(&r);
}

static void rules_names(void **state)
{
	struct world *w = *state;
	char dg[ES256_KID_LEN];
	struct craft c;

	/* a disclosed name that already exists at that level */
	craft_init(&c);
	json_object_set_new(c.payload, "given_name", json_string("Alex"));
	craft_add(&c, disc("[\"s1\",\"given_name\",\"Camille\"]", dg));
	add_digest(&c, "/_sd", dg);
	refused(w, craft_token(w, &c, NULL), "already exists");

	/* ... or that another disclosure gave at that level */
	craft_init(&c);
	craft_add(&c, disc("[\"s1\",\"given_name\",\"Camille\"]", dg));
	add_digest(&c, "/_sd", dg);
	craft_add(&c, disc("[\"s2\",\"given_name\",\"Alex\"]", dg));
	add_digest(&c, "/_sd", dg);
	refused(w, craft_token(w, &c, NULL), "already exists");

	/* reserved names in a disclosure */
	craft_init(&c);
	craft_add(&c, disc("[\"s1\",\"_sd\",[]]", dg));
	add_digest(&c, "/_sd", dg);
	refused(w, craft_token(w, &c, NULL), "reserved");
	craft_init(&c);
	craft_add(&c, disc("[\"s1\",\"...\",\"x\"]", dg));
	add_digest(&c, "/_sd", dg);
	refused(w, craft_token(w, &c, NULL), "reserved");

	/* an element disclosure used as a claim, and the other way round */
	craft_init(&c);
	craft_add(&c, disc("[\"s1\",\"FR\"]", dg));
	add_digest(&c, "/_sd", dg);
	refused(w, craft_token(w, &c, NULL), "array element disclosure");
	craft_init(&c);
	craft_add(&c, disc("[\"s1\",\"nationality\",\"FR\"]", dg));
	json_object_set_new(c.payload, "nationalities", json_pack("[{ss}]", "...", dg));
	refused(w, craft_token(w, &c, NULL), "referenced as an array element");
}

static void rules_malformed(void **state)
{
	static const char *const bad[][2] = {
		{ "[\"s1\"]", "2 or 3 elements" },
		{ "[\"s1\",\"a\",\"b\",\"c\"]", "2 or 3 elements" },
		{ "{\"salt\":\"s1\",\"name\":\"a\"}", "2 or 3 elements" },
		{ "not json at all", "2 or 3 elements" },
		{ "[1,\"given_name\",\"x\"]", "salt is not a string" },
		{ "[\"s1\",7,\"x\"]", "claim name is not a string" },
	};
	struct world *w = *state;
	char dg[ES256_KID_LEN];
	struct craft c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		craft_init(&c);
		craft_add(&c, disc(bad[i][0], dg));
		add_digest(&c, "/_sd", dg);
		refused(w, craft_token(w, &c, NULL), bad[i][1]);
	}
	craft_init(&c);
	buf_puts(&c.disclosures, "not*base64~");
	refused(w, craft_token(w, &c, NULL), "not base64url");
	craft_init(&c);
	craft_add(&c, disc("[\"s1\",\"a\",\"b\"]", NULL));
	buf_puts(&c.disclosures, "~");
	refused(w, craft_token(w, &c, NULL), "empty");

	/* the structure around the digests */
	craft_init(&c);
	json_object_set_new(c.payload, "_sd", json_string("abc"));
	refused(w, craft_token(w, &c, NULL), "not an array");
	craft_init(&c);
	json_array_append_new(json_object_get(c.payload, "_sd"), json_integer(3));
	refused(w, craft_token(w, &c, NULL), "not a string");
	craft_init(&c);
	json_object_set_new(c.payload, "_sd_alg", json_string("sha-512"));
	refused(w, craft_token(w, &c, NULL), "sha-256");
	craft_init(&c);
	json_object_set_new(c.payload, "list", json_pack("[{si}]", "...", 3));
	refused(w, craft_token(w, &c, NULL), "not a string");

	/* no '~' at all: a plain JWT */
	{
		char *t;

		craft_init(&c);
		t = craft_token(w, &c, NULL);
		*strchr(t, '~') = '\0';
		refused(w, t, "no '~'");
	}
}

static void rules_jwt(void **state)
{
	struct world *w = *state;
	struct craft c;
	json_t *h;
	char *t;

	/* alg none (a signature of the right size, so that only alg speaks) */
	craft_init(&c);
	h = json_pack("{ss}", "typ", SDJWT_TYP);
	t = craft_token(w, &c, h);
	{
		char *none = b64_of("{\"alg\":\"none\",\"typ\":\"dc+sd-jwt\"}");
		char *bad = replace_span(t, 0, (size_t)(strchr(t, '.') - t), none);

		refused(w, bad, "not ES256");
		free(none);
	}
	free(t);
	craft_init(&c);
	t = craft_token(w, &c, h);
	{
		char *hs = b64_of("{\"alg\":\"HS256\",\"typ\":\"dc+sd-jwt\"}");

		refused(w, replace_span(t, 0, (size_t)(strchr(t, '.') - t), hs), "not ES256");
		free(hs);
	}
	free(t);
	json_decref(h);

	/* the wrong typ, the wrong key */
	craft_init(&c);
	h = json_pack("{ss}", "typ", "JWT");
	refused(w, craft_token(w, &c, h), "typ");
	json_decref(h);
	craft_init(&c);
	h = json_pack("{ss}", "typ", SDJWT_TYP);
	t = craft_token(w, &c, h);
	{
		struct sdjwt_verify_opts o = opts(w);
		struct sdjwt_result r;

		o.require_kb = false;
		o.issuer_key = w->other;
		assert_int_equal(verify(t, &o, &r), CMN_ERR_CRYPTO);
		assert_non_null(strstr(r.why, "signature"));
	}
	free(t);

	/* times */
	craft_init(&c);
	json_object_set_new(c.payload, "exp", json_integer(NOW - 100));
	refused(w, craft_token(w, &c, h), "expired");
	craft_init(&c);
	json_object_set_new(c.payload, "nbf", json_integer(NOW + 3600));
	refused(w, craft_token(w, &c, h), "not valid yet");
	craft_init(&c);
	json_object_set_new(c.payload, "iat", json_integer(NOW + 3600));
	refused(w, craft_token(w, &c, h), "future");
	craft_init(&c);
	json_object_set_new(c.payload, "exp", json_string("tomorrow"));
	refused(w, craft_token(w, &c, h), "not a number");
	/* within the skew: accepted */
	{
		struct sdjwt_result r;

		craft_init(&c);
		json_object_set_new(c.payload, "exp", json_integer(NOW - 10));
		accepted(w, craft_token(w, &c, h), &r);
		sdjwt_result_release(&r);
	}
	json_decref(h);
}

/* The Key Binding JWT */

static void kb_refused(const struct world *w, const char *token, const char *words)
{
	struct sdjwt_verify_opts o = opts(w);
	struct sdjwt_result r;

	if (verify(token, &o, &r) == CMN_OK)
		fail_msg("accepted; expected a refusal about \"%s\"", words);
	if (!strstr(r.why, words))
		fail_msg("refusal \"%s\" does not say \"%s\"", r.why, words);
	assert_false(r.key_bound);
}

/* hand_kb - token's presentation with a KB-JWT of the given claims */
static char *hand_kb(const char *sdjwt, const struct es256_key *k, json_t *header, json_t *claims)
{
	struct buf out;

	buf_init(&out, SDJWT_MAX_BYTES);
	buf_puts(&out, sdjwt);
	assert_int_equal(es256_jws_sign(k, header, claims, &out), CMN_OK);
	json_decref(claims);
	return buf_steal(&out);
}

static void key_binding(void **state)
{
	struct world *w = *state;
	const char *names[] = { "reduced_fare" };
	char *token = issue(w, 0, -1), *base = present(w, token, names, 1, NULL, NULL, 0), *t;
	char hash[ES256_KID_LEN];
	json_t *kbh = json_pack("{ss}", "typ", SDJWT_KB_TYP);

	sdjwt_digest(base, strlen(base), hash);
	t = present(w, token, names, 1, w->holder, "another nonce", NOW);
	kb_refused(w, t, "nonce");
	free(t);
	{
		struct sdjwt_present p = { names, 1, w->holder, "https://elsewhere.example",
					   "n-0S6_WzA2Mj", NOW };
		char why[SDJWT_WHY_MAX];
		struct buf out;

		buf_init(&out, SDJWT_MAX_BYTES);
		assert_int_equal(sdjwt_present(token, strlen(token), &p, &out, why), CMN_OK);
		kb_refused(w, out.data, "audience");
		buf_release(&out);
	}
	t = present(w, token, names, 1, w->holder, "n-0S6_WzA2Mj", NOW - SDJWT_KB_MAX_AGE_S - 120);
	kb_refused(w, t, "too old");
	free(t);
	t = present(w, token, names, 1, w->holder, "n-0S6_WzA2Mj", NOW + 3600);
	kb_refused(w, t, "future");
	free(t);
	t = present(w, token, names, 1, w->other, "n-0S6_WzA2Mj", NOW);
	kb_refused(w, t, "signature");
	free(t);
	t = hand_kb(base, w->holder, kbh,
		    json_pack("{sI ss ss ss}", "iat", (json_int_t)NOW, "aud",
			      "https://ticket-office.example", "nonce", "n-0S6_WzA2Mj", "sd_hash",
			      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	kb_refused(w, t, "sd_hash");
	free(t);
	/* a disclosure added after the holder signed: sd_hash no longer fits */
	t = present(w, token, names, 1, w->holder, "n-0S6_WzA2Mj", NOW);
	{
		const char *names2[] = { "reduced_fare", "given_name" };
		char *more = present(w, token, names2, 2, NULL, NULL, 0);
		char *kb = strrchr(t, '~') + 1;
		struct buf x;

		buf_init(&x, SDJWT_MAX_BYTES);
		buf_puts(&x, more);
		buf_puts(&x, kb);
		kb_refused(w, x.data, "sd_hash");
		buf_release(&x);
		free(more);
	}
	free(t);
	json_decref(kbh);
	kbh = json_pack("{ss}", "typ", "JWT");
	t = hand_kb(base, w->holder, kbh,
		    json_pack("{sI ss ss ss}", "iat", (json_int_t)NOW, "aud",
			      "https://ticket-office.example", "nonce", "n-0S6_WzA2Mj", "sd_hash",
			      hash));
	kb_refused(w, t, "typ");
	free(t);
	json_decref(kbh);
	kbh = json_pack("{ss}", "typ", SDJWT_KB_TYP);
	t = hand_kb(base, w->holder, kbh,
		    json_pack("{sI ss ss}", "iat", (json_int_t)NOW, "aud",
			      "https://ticket-office.example", "nonce", "n-0S6_WzA2Mj"));
	kb_refused(w, t, "lacks");
	free(t);
	/* the same, well made by hand: accepted */
	t = hand_kb(base, w->holder, kbh,
		    json_pack("{sI ss ss ss}", "iat", (json_int_t)NOW, "aud",
			      "https://ticket-office.example", "nonce", "n-0S6_WzA2Mj", "sd_hash",
			      hash));
	{
		struct sdjwt_verify_opts o = opts(w);
		struct sdjwt_result r;

		assert_int_equal(verify(t, &o, &r), CMN_OK);
		assert_true(r.key_bound);
		sdjwt_result_release(&r);
	}
	free(t);
	/* no KB-JWT where one is required */
	kb_refused(w, base, "no KB-JWT");
	json_decref(kbh);
	free(base);
	free(token);
}

/* The Token Status List */

struct status_ctx {
	const char *token;
	int calls;
};

static enum cmn_rc fetch_status(void *ctx, const char *uri, struct buf *out)
{
	struct status_ctx *s = ctx;

	s->calls++;
	if (strcmp(uri, STATUS_URI) != 0)
		return CMN_ERR_NOT_FOUND;
	return buf_puts(out, s->token);
}

static void status_list(void **state)
{
	struct world *w = *state;
	struct sdjwt_status_list l, back;
	char why[SDJWT_WHY_MAX];
	json_t *claim;
	struct buf tok;

	/* the example of the draft: 16 one-bit entries */
	assert_int_equal(sdjwt_status_list_init(&l, 1, 16), CMN_OK);
	for (size_t i = 0; i < 16; i++)
		sdjwt_status_list_set(&l, i, (0xb9a3u >> i) & 1); /* bytes b9 a3 LSB first */
	assert_int_equal(l.bytes[0], 0xa3);
	assert_int_equal(l.bytes[1], 0xb9);
	assert_int_equal(sdjwt_status_list_encode(&l, &claim), CMN_OK);
	assert_int_equal(sdjwt_status_list_decode(claim, &back, why), CMN_OK);
	assert_int_equal(back.count, 16);
	assert_memory_equal(back.bytes, l.bytes, 2);
	json_decref(claim);
	sdjwt_status_list_release(&back);
	sdjwt_status_list_release(&l);

	/* two bits per entry */
	assert_int_equal(sdjwt_status_list_init(&l, 2, 1000), CMN_OK);
	sdjwt_status_list_set(&l, 5, SDJWT_STATUS_INVALID);
	sdjwt_status_list_set(&l, 6, SDJWT_STATUS_SUSPENDED);
	sdjwt_status_list_set(&l, 999, 3);
	assert_int_equal(sdjwt_status_list_get(&l, 4), SDJWT_STATUS_VALID);
	assert_int_equal(sdjwt_status_list_get(&l, 5), SDJWT_STATUS_INVALID);
	assert_int_equal(sdjwt_status_list_get(&l, 6), SDJWT_STATUS_SUSPENDED);
	assert_int_equal(sdjwt_status_list_get(&l, 999), 3);
	assert_int_equal(sdjwt_status_list_encode(&l, &claim), CMN_OK);
	assert_int_equal(sdjwt_status_list_decode(claim, &back, why), CMN_OK);
	assert_int_equal(back.count, 1000);
	assert_int_equal(sdjwt_status_list_get(&back, 6), SDJWT_STATUS_SUSPENDED);
	json_decref(claim);
	sdjwt_status_list_release(&back);

	/* malformed claims */
	claim = json_pack("{si ss}", "bits", 3, "lst", "eNrbuRgAAhcBXQ");
	assert_int_equal(sdjwt_status_list_decode(claim, &back, why), CMN_ERR_INVALID);
	json_decref(claim);
	claim = json_pack("{si ss}", "bits", 1, "lst", "bm90IHpsaWI");
	assert_int_equal(sdjwt_status_list_decode(claim, &back, why), CMN_ERR_INVALID);
	json_decref(claim);

	/* attestations pointing at entries 4 (valid) and 5 (revoked) */
	buf_init(&tok, SDJWT_MAX_BYTES);
	assert_int_equal(sdjwt_status_list_token(w->issuer, &l, STATUS_URI, NOW - 60,
						 NOW + 3600, 300, &tok),
			 CMN_OK);
	{
		struct status_ctx ctx = { tok.data, 0 };
		struct sdjwt_verify_opts o = opts(w);
		const char *names[] = { "reduced_fare" };
		char *good = issue(w, 0, 4), *bad = issue(w, 0, 5), *susp = issue(w, 0, 6), *t;
		struct sdjwt_result r;

		o.status = fetch_status;
		o.status_ctx = &ctx;
		t = present(w, good, names, 1, w->holder, "n-0S6_WzA2Mj", NOW);
		assert_int_equal(verify(t, &o, &r), CMN_OK);
		sdjwt_result_release(&r);
		free(t);
		t = present(w, bad, names, 1, w->holder, "n-0S6_WzA2Mj", NOW);
		assert_int_equal(verify(t, &o, &r), CMN_ERR_GONE);
		assert_non_null(strstr(r.why, "revoked"));
		free(t);
		t = present(w, susp, names, 1, w->holder, "n-0S6_WzA2Mj", NOW);
		assert_int_equal(verify(t, &o, &r), CMN_ERR_GONE);
		assert_non_null(strstr(r.why, "suspended"));
		free(t);
		assert_int_equal(ctx.calls, 3);

		/* a status list signed by another key, or expired */
		assert_int_equal(sdjwt_status_check(tok.data, tok.len, w->other, STATUS_URI, 4, NOW,
						    0, why),
				 CMN_ERR_CRYPTO);
		assert_int_equal(sdjwt_status_check(tok.data, tok.len, w->issuer, STATUS_URI, 4,
						    NOW + 7200, 0, why),
				 CMN_ERR_INVALID);
		assert_non_null(strstr(why, "expired"));
		assert_int_equal(sdjwt_status_check(tok.data, tok.len, w->issuer,
						    "https://elsewhere.example/1", 4, NOW, 0, why),
				 CMN_ERR_INVALID);
		assert_int_equal(sdjwt_status_check(tok.data, tok.len, w->issuer, STATUS_URI, 1000,
						    NOW, 0, why),
				 CMN_ERR_INVALID);
		free(good);
		free(bad);
		free(susp);
	}
	buf_release(&tok);
	sdjwt_status_list_release(&l);
}

/* Keys */

static void thumbprints(void **state)
{
	/* RFC 7638 §3.1 */
	json_t *rsa = json_pack(
		"{ss ss ss ss}", "kty", "RSA", "n",
		"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6t"
		"Soc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v"
		"-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08"
		"qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8"
		"awapJzKnqDKgw",
		"e", "AQAB", "kid", "2011-04-29");
	char kid[ES256_KID_LEN];
	struct es256_key *k = NULL;
	json_t *jwk;

	(void)state;
	assert_int_equal(es256_jwk_thumbprint(rsa, kid), CMN_OK);
	assert_string_equal(kid, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	json_object_set_new(rsa, "kty", json_string("oct"));
	assert_int_equal(es256_jwk_thumbprint(rsa, kid), CMN_ERR_INVALID);
	json_decref(rsa);

	/* an EC key's kid is its thumbprint, and its JWK says so */
	assert_int_equal(es256_generate(&k), CMN_OK);
	jwk = es256_public_jwk(k, true);
	assert_string_equal(json_string_value(json_object_get(jwk, "kid")), es256_kid(k));
	assert_string_equal(json_string_value(json_object_get(jwk, "alg")), "ES256");
	assert_string_equal(json_string_value(json_object_get(jwk, "use")), "sig");
	assert_int_equal(es256_jwk_thumbprint(jwk, kid), CMN_OK);
	assert_string_equal(kid, es256_kid(k));
	json_decref(jwk);
	es256_free(&k);
	assert_null(k);
}

static void keys(void **state)
{
	char dir[] = "/tmp/test_sdjwt.XXXXXX", path[64];
	struct es256_key *a = NULL, *b = NULL, *c = NULL;
	unsigned char sig[ES256_SIG_BYTES];
	json_t *jwk;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/issuer.pem", dir);
	assert_int_equal(es256_load_or_create(path, &a), CMN_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(es256_load_or_create(path, &b), CMN_OK);
	assert_string_equal(es256_kid(a), es256_kid(b));
	assert_true(es256_has_private(b));
	es256_free(&b);
	chmod(path, 0644);
	assert_int_equal(es256_load_or_create(path, &b), CMN_ERR_FORBIDDEN);
	unlink(path);
	rmdir(dir);

	/* a public JWK verifies what the private key signed */
	assert_int_equal(es256_sign(a, "data", 4, sig), CMN_OK);
	jwk = es256_public_jwk(a, false);
	assert_int_equal(es256_from_jwk(jwk, &b), CMN_OK);
	assert_false(es256_has_private(b));
	assert_int_equal(es256_verify(b, "data", 4, sig), CMN_OK);
	assert_int_equal(es256_verify(b, "datA", 4, sig), CMN_ERR_CRYPTO);
	assert_int_equal(es256_sign(b, "data", 4, sig), CMN_ERR_INVALID);
	es256_free(&b);

	/* a point off the curve, a d that is not the point's */
	json_object_set_new(jwk, "y", json_string("Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"));
	assert_int_equal(es256_from_jwk(jwk, &b), CMN_ERR_INVALID);
	json_decref(jwk);
	assert_int_equal(es256_generate(&c), CMN_OK);
	jwk = es256_public_jwk(a, false);
	json_object_set_new(jwk, "d", json_string("Ur2bNKuBPOYwcQ6OTBeafMLDqaU-MJ_qFP7CNk-X5oM"));
	assert_int_equal(es256_from_jwk(jwk, &b), CMN_ERR_INVALID);
	json_object_set_new(jwk, "crv", json_string("P-384"));
	assert_int_equal(es256_from_jwk(jwk, &b), CMN_ERR_INVALID);
	json_decref(jwk);
	es256_free(&a);
	es256_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc_examples),
		cmocka_unit_test(rfc_processed),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(rules_digests),
		cmocka_unit_test(rules_names),
		cmocka_unit_test(rules_malformed),
		cmocka_unit_test(rules_jwt),
		cmocka_unit_test(key_binding),
		cmocka_unit_test(status_list),
		cmocka_unit_test(thumbprints),
		cmocka_unit_test(keys),
	};

	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
