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

#include "core/str.h"
#include "sdjwt/es256.h"
#include "sdjwt/sdjwt.h"

/*
 * The examples of RFC 9901 (Selective Disclosure for JSON Web Tokens), as
 * data. The issuer key is the public key of its Appendix A.5. The texts
 * were taken from the editors' copy of the draft in the working group's
 * repository (github.com/oauth-wg/oauth-selective-disclosure-jwt, January
 * 2025): same claims, salts, disclosures and issuer key as the RFC; the
 * ECDSA signatures (and the KB-JWT iat) were made at an earlier rendering
 * than the RFC's, the RFC text itself being out of reach here.
 */
#define RFC_ISSUER_JWK                                                                             \
	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ\","  \
	"\"y\":\"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8\"}"

/* the issuer JWT of RFC 9901 §5.1 */
#define RFC_5_JWT                                                                                  \
	"eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJfc2QiOiBb"                        \
	"IkNyUWU3UzVrcUJBSHQtbk1ZWGdjNmJkdDJTSDVhVFkxc1VfTS1QZ2tqUEkiLCAiSnpZ"                        \
	"akg0c3ZsaUgwUjNQeUVNZmVadTZKdDY5dTVxZWhabzdGN0VQWWxTRSIsICJQb3JGYnBL"                        \
	"dVZ1Nnh5bUphZ3ZrRnNGWEFiUm9jMkpHbEFVQTJCQTRvN2NJIiwgIlRHZjRvTGJnd2Q1"                        \
	"SlFhSHlLVlFaVTlVZEdFMHc1cnREc3JaemZVYW9tTG8iLCAiWFFfM2tQS3QxWHlYN0tB"                        \
	"TmtxVlI2eVoyVmE1TnJQSXZQWWJ5TXZSS0JNTSIsICJYekZyendzY002R242Q0pEYzZ2"                        \
	"Vks4QmtNbmZHOHZPU0tmcFBJWmRBZmRFIiwgImdiT3NJNEVkcTJ4Mkt3LXc1d1BFemFr"                        \
	"b2I5aFYxY1JEMEFUTjNvUUw5Sk0iLCAianN1OXlWdWx3UVFsaEZsTV8zSmx6TWFTRnpn"                        \
	"bGhRRzBEcGZheVF3TFVLNCJdLCAiaXNzIjogImh0dHBzOi8vaXNzdWVyLmV4YW1wbGUu"                        \
	"Y29tIiwgImlhdCI6IDE2ODMwMDAwMDAsICJleHAiOiAxODgzMDAwMDAwLCAic3ViIjog"                        \
	"InVzZXJfNDIiLCAibmF0aW9uYWxpdGllcyI6IFt7Ii4uLiI6ICJwRm5kamtaX1ZDem15"                        \
	"VGE2VWpsWm8zZGgta284YUlLUWM5RGxHemhhVllvIn0sIHsiLi4uIjogIjdDZjZKa1B1"                        \
	"ZHJ5M2xjYndIZ2VaOGtoQXYxVTFPU2xlclAwVmtCSnJXWjAifV0sICJfc2RfYWxnIjog"                        \
	"InNoYS0yNTYiLCAiY25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJjcnYiOiAiUC0y"                        \
	"NTYiLCAieCI6ICJUQ0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9ISVAxSUxpbERsczd2Q2VH"                        \
	"ZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldLVlE0aGJTSWlyc1ZmdWVjQ0U2dDRqVDlG"                        \
	"MkhaUSJ9fX0.vntopPdsmE2uLcndL5lPGIZmUOMTobaHmftz5TEn_5Hzb1tYvovy1ft1"                        \
	"VKWNmweRyDtBp9as-mQuWxQdZlrAgg"

/* RFC 9901 §5.1: the SD-JWT with all ten disclosures */
static const char rfc_5_1[] =
	RFC_5_JWT "~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgI"
	"mdpdmVuX25hbWUiLCAiSm9obiJd~WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZh"
	"bWlseV9uYW1lIiwgIkRvZSJd~WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgImVtYWl"
	"sIiwgImpvaG5kb2VAZXhhbXBsZS5jb20iXQ~WyJlSThaV205UW5LUHBOUGVOZW5IZGhR"
	"IiwgInBob25lX251bWJlciIsICIrMS0yMDItNTU1LTAxMDEiXQ~WyJRZ19PNjR6cUF4Z"
	"TQxMmExMDhpcm9BIiwgInBob25lX251bWJlcl92ZXJpZmllZCIsIHRydWVd~WyJBSngt"
	"MDk1VlBycFR0TjRRTU9xUk9BIiwgImFkZHJlc3MiLCB7InN0cmVldF9hZGRyZXNzIjog"
	"IjEyMyBNYWluIFN0IiwgImxvY2FsaXR5IjogIkFueXRvd24iLCAicmVnaW9uIjogIkFu"
	"eXN0YXRlIiwgImNvdW50cnkiOiAiVVMifV0~WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZR"
	"IiwgImJpcnRoZGF0ZSIsICIxOTQwLTAxLTAxIl0~WyJHMDJOU3JRZmpGWFE3SW8wOXN5"
	"YWpBIiwgInVwZGF0ZWRfYXQiLCAxNTcwMDAwMDAwXQ~WyJsa2x4RjVqTVlsR1RQVW92T"
	"U5JdkNBIiwgIlVTIl0~WyJuUHVvUW5rUkZxM0JJZUFtN0FuWEZBIiwgIkRFIl0~";

/* RFC 9901 §5.2: the SD-JWT+KB disclosing given_name, family_name,
 * address and one nationality */
static const char rfc_5_2[] =
	RFC_5_JWT "~WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgI"
	"mZhbWlseV9uYW1lIiwgIkRvZSJd~WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImFk"
	"ZHJlc3MiLCB7InN0cmVldF9hZGRyZXNzIjogIjEyMyBNYWluIFN0IiwgImxvY2FsaXR5"
	"IjogIkFueXRvd24iLCAicmVnaW9uIjogIkFueXN0YXRlIiwgImNvdW50cnkiOiAiVVMi"
	"fV0~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd"
	"~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0~eyJhbGciOiAiRVMyNTYiLCA"
	"idHlwIjogImtiK2p3dCJ9.eyJub25jZSI6ICIxMjM0NTY3ODkwIiwgImF1ZCI6ICJodH"
	"RwczovL3ZlcmlmaWVyLmV4YW1wbGUub3JnIiwgImlhdCI6IDE3MzcxMTg1NDAsICJzZF"
	"9oYXNoIjogIk00SlN5emhBS0JzN3NyLTg5cTVDU3VjREotRGlRdVd6RkZpYURuaG5yTk"
	"kifQ.3SJD_85ygGwUlD31RXJZU66kW1DSaV4AZy2jrW9VxU9Z8ImQiZHW67FMOaQlt3y"
	"sK5v1b4LWxm_vzexnbn66eA";

/* RFC 9901 Appendix A.2: a presentation of the complex structured SD-JWT
 * (nested objects, an array element disclosed recursively) */
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
	"X2FsZyI6ICJzaGEtMjU2In0.DIGZLXnFRzP3BmfRclFYMPIvyZ641t5ZI6IG1FWTM7V4"
	"5Blu6eCnpl0cg16PqfVxOSZmMWtwMPeAWPEt1zbS_A~WyIyR0xDNDJzS1F2ZUNmR2Zye"
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

/* the issuer JWT of RFC 9901 Appendix A.3 (SD-JWT VC, typ dc+sd-jwt) */
#define RFC_A3_JWT                                                                                 \
	"eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImRjK3NkLWp3dCJ9.eyJfc2QiOiBbIjBIWm1"                        \
	"uU0lQejMzN2tTV2U3QzM0bC0tODhnekppLWVCSjJWel9ISndBVGciLCAiOVpicGxDN1R"                        \
	"kRVc3cWFsNkJCWmxNdHFKZG1lRU9pWGV2ZEpsb1hWSmRSUSIsICJJMDBmY0ZVb0RYQ3V"                        \
	"jcDV5eTJ1anFQc3NEVkdhV05pVWxpTnpfYXdEMGdjIiwgIklFQllTSkdOaFhJbHJRbzU"                        \
	"4eWtYbTJaeDN5bGw5WmxUdFRvUG8xN1FRaVkiLCAiTGFpNklVNmQ3R1FhZ1hSN0F2R1R"                        \
	"yblhnU2xkM3o4RUlnX2Z2M2ZPWjFXZyIsICJodkRYaHdtR2NKUXNCQ0EyT3RqdUxBY3d"                        \
	"BTXBEc2FVMG5rb3ZjS09xV05FIiwgImlrdXVyOFE0azhxM1ZjeUE3ZEMtbU5qWkJrUmV"                        \
	"EVFUtQ0c0bmlURTdPVFUiLCAicXZ6TkxqMnZoOW80U0VYT2ZNaVlEdXZUeWtkc1dDTmc"                        \
	"wd1RkbHIwQUVJTSIsICJ3elcxNWJoQ2t2a3N4VnZ1SjhSRjN4aThpNjRsbjFqb183NkJ"                        \
	"DMm9hMXVnIiwgInpPZUJYaHh2SVM0WnptUWNMbHhLdUVBT0dHQnlqT3FhMXoySW9WeF9"                        \
	"ZRFEiXSwgImlzcyI6ICJodHRwczovL2lzc3Vlci5leGFtcGxlLmNvbSIsICJpYXQiOiA"                        \
	"xNjgzMDAwMDAwLCAiZXhwIjogMTg4MzAwMDAwMCwgInZjdCI6ICJodHRwczovL2JtaS5"                        \
	"idW5kLmV4YW1wbGUvY3JlZGVudGlhbC9waWQvMS4wIiwgImFnZV9lcXVhbF9vcl9vdmV"                        \
	"yIjogeyJfc2QiOiBbIkZjOElfMDdMT2NnUHdyREpLUXlJR085N3dWc09wbE1Makh2UkM"                        \
	"0UjQtV2ciLCAiWEx0TGphZFVXYzl6Tl85aE1KUm9xeTQ2VXNDS2IxSXNoWnV1cVVGS1N"                        \
	"DQSIsICJhb0NDenNDN3A0cWhaSUFoX2lkUkNTQ2E2NDF1eWNuYzh6UGZOV3o4bngwIiw"                        \
	"gImYxLVAwQTJkS1dhdnYxdUZuTVgyQTctRVh4dmhveHY1YUhodUVJTi1XNjQiLCAiazV"                        \
	"oeTJyMDE4dnJzSmpvLVZqZDZnNnl0N0Fhb25Lb25uaXVKOXplbDNqbyIsICJxcDdaX0t"                        \
	"5MVlpcDBzWWdETzN6VnVnMk1GdVBOakh4a3NCRG5KWjRhSS1jIl19LCAiX3NkX2FsZyI"                        \
	"6ICJzaGEtMjU2IiwgImNuZiI6IHsiandrIjogeyJrdHkiOiAiRUMiLCAiY3J2IjogIlA"                        \
	"tMjU2IiwgIngiOiAiVENBRVIxOVp2dTNPSEY0ajRXNHZmU1ZvSElQMUlMaWxEbHM3dkN"                        \
	"lR2VtYyIsICJ5IjogIlp4amlXV2JaTVFHSFZXS1ZRNGhiU0lpcnNWZnVlY0NFNnQ0alQ"                        \
	"5RjJIWlEifX19.HSYHxBnwGaU595xhxetPj-TiAOFnjC5O-UgsgKOkrRNNfj_-IT0Nub"                        \
	"FeJ4DxB83jPybNJkcwqMbMa0xdpvtlGA"

/* RFC 9901 Appendix A.3: the issued SD-JWT VC of a person identification */
static const char rfc_a_3[] =
	RFC_A3_JWT "~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3Iiw"
	"gImdpdmVuX25hbWUiLCAiRXJpa2EiXQ~WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwg"
	"ImZhbWlseV9uYW1lIiwgIk11c3Rlcm1hbm4iXQ~WyI2SWo3dE0tYTVpVlBHYm9TNXRtd"
	"lZBIiwgImJpcnRoZGF0ZSIsICIxOTYzLTA4LTEyIl0~WyJlSThaV205UW5LUHBOUGVOZ"
	"W5IZGhRIiwgInNvdXJjZV9kb2N1bWVudF90eXBlIiwgImlkX2NhcmQiXQ~WyJRZ19PNj"
	"R6cUF4ZTQxMmExMDhpcm9BIiwgInN0cmVldF9hZGRyZXNzIiwgIkhlaWRlc3RyYVx1MD"
	"BkZmUgMTciXQ~WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImxvY2FsaXR5IiwgIkt"
	"cdTAwZjZsbiJd~WyJQYzMzSk0yTGNoY1VfbEhnZ3ZfdWZRIiwgInBvc3RhbF9jb2RlIi"
	"wgIjUxMTQ3Il0~WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiwgImNvdW50cnkiLCAiRE"
	"UiXQ~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgImFkZHJlc3MiLCB7Il9zZCI6IFs"
	"iWEZjN3pYUG03enpWZE15d20yRXVCZmxrYTVISHF2ZjhVcF9zek5HcXZpZyIsICJiZDF"
	"FVnpnTm9wVWs0RVczX2VRMm4zX05VNGl1WE9IdjlYYkdITjNnMVRFIiwgImZfRlFZZ3Z"
	"RV3Z5VnFObklYc0FSbE55ZTdZR3A4RTc3Z1JBamFxLXd2bnciLCAidjRra2JfcFAxamx"
	"2VWJTanR5YzVicWNXeUEtaThYTHZoVllZN1pUMHRiMCJdfV0~WyJuUHVvUW5rUkZxM0J"
	"JZUFtN0FuWEZBIiwgIm5hdGlvbmFsaXRpZXMiLCBbIkRFIl1d~WyI1YlBzMUlxdVpOYT"
	"Boa2FGenp6Wk53IiwgImdlbmRlciIsICJmZW1hbGUiXQ~WyI1YTJXMF9OcmxFWnpmcW1"
	"rXzdQcS13IiwgImJpcnRoX2ZhbWlseV9uYW1lIiwgIkdhYmxlciJd~WyJ5MXNWVTV3ZG"
	"ZKYWhWZGd3UGdTN1JRIiwgImxvY2FsaXR5IiwgIkJlcmxpbiJd~WyJIYlE0WDhzclZXM"
	"1FEeG5JSmRxeU9BIiwgInBsYWNlX29mX2JpcnRoIiwgeyJfc2QiOiBbIldwaEhvSUR5b"
	"1diQXBEQzR6YnV3UjQweGwweExoRENfY3Y0dHNTNzFyRUEiXSwgImNvdW50cnkiOiAiR"
	"EUifV0~WyJDOUdTb3VqdmlKcXVFZ1lmb2pDYjFBIiwgImFsc29fa25vd25fYXMiLCAiU"
	"2Nod2VzdGVyIEFnbmVzIl0~WyJreDVrRjE3Vi14MEptd1V4OXZndnR3IiwgIjEyIiwgd"
	"HJ1ZV0~WyJIM28xdXN3UDc2MEZpMnllR2RWQ0VRIiwgIjE0IiwgdHJ1ZV0~WyJPQktsV"
	"FZsdkxnLUFkd3FZR2JQOFpBIiwgIjE2IiwgdHJ1ZV0~WyJNMEpiNTd0NDF1YnJrU3V5c"
	"kRUM3hBIiwgIjE4IiwgdHJ1ZV0~WyJEc210S05ncFY0ZEFIcGpyY2Fvc0F3IiwgIjIxI"
	"iwgdHJ1ZV0~WyJlSzVvNXBIZmd1cFBwbHRqMXFoQUp3IiwgIjY1IiwgZmFsc2Vd~";

/* RFC 9901 Appendix A.3: the SD-JWT+KB disclosing only the nationality
 * and that the person is 18 or over */
static const char rfc_a_3_kb[] =
	RFC_A3_JWT "~WyJuUHVvUW5rUkZxM0JJZUFtN0FuWEZBIiw"
	"gIm5hdGlvbmFsaXRpZXMiLCBbIkRFIl1d~WyJNMEpiNTd0NDF1YnJrU3V5ckRUM3hBIi"
	"wgIjE4IiwgdHJ1ZV0~eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImtiK2p3dCJ9.eyJub"
	"25jZSI6ICIxMjM0NTY3ODkwIiwgImF1ZCI6ICJodHRwczovL3ZlcmlmaWVyLmV4YW1wb"
	"GUub3JnIiwgImlhdCI6IDE3MzcxMTg1NDAsICJzZF9oYXNoIjogIkZONVJTNlNDODdvW"
	"DlTUi11TzBuRnZVakR2U0xxemhVMGk2RmJMemwzM0UifQ.GALIX_jaJW2aIAIVHj6RT8"
	"F-UgW7EgwMSFEHdHdLQw_oqknuN-OtkBjtez6Ssx3bQSfu8FxQ-uUxmF9uGAvV8A";

/* RFC 9901 Appendix A.4: an SD-JWT holding a W3C VCDM 2.0 payload */
static const char rfc_a_4[] =
	"eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJAY29udGV4"
	"dCI6IFsiaHR0cHM6Ly93d3cudzMub3JnLzIwMTgvY3JlZGVudGlhbHMvdjEiLCAiaHR0"
	"cHM6Ly93M2lkLm9yZy92YWNjaW5hdGlvbi92MSJdLCAidHlwZSI6IFsiVmVyaWZpYWJs"
	"ZUNyZWRlbnRpYWwiLCAiVmFjY2luYXRpb25DZXJ0aWZpY2F0ZSJdLCAiaXNzdWVyIjog"
	"Imh0dHBzOi8vZXhhbXBsZS5jb20vaXNzdWVyIiwgImlzc3VhbmNlRGF0ZSI6ICIyMDIz"
	"LTAyLTA5VDExOjAxOjU5WiIsICJleHBpcmF0aW9uRGF0ZSI6ICIyMDI4LTAyLTA4VDEx"
	"OjAxOjU5WiIsICJuYW1lIjogIkNPVklELTE5IFZhY2NpbmF0aW9uIENlcnRpZmljYXRl"
	"IiwgImRlc2NyaXB0aW9uIjogIkNPVklELTE5IFZhY2NpbmF0aW9uIENlcnRpZmljYXRl"
	"IiwgImNyZWRlbnRpYWxTdWJqZWN0IjogeyJfc2QiOiBbIjFWX0stOGxEUThpRlhCRlhi"
	"Wlk5ZWhxUjRIYWJXQ2k1VDB5Ykl6WlBld3ciLCAiSnpqTGd0UDI5ZFAtQjN0ZDEyUDY3"
	"NGdGbUsyenk4MUhNdEJnZjZDSk5XZyIsICJSMmZHYmZBMDdaX1lsa3FtTlp5bWExeHl5"
	"eDFYc3RJaVM2QjFZYmwySlo0IiwgIlRDbXpybDdLMmdldl9kdTdwY01JeXpSTEhwLVll"
	"Zy1GbF9jeHRyVXZQeGciLCAiVjdrSkJMSzc4VG1WRE9tcmZKN1p1VVBIdUtfMmNjN3la"
	"UmE0cVYxdHh3TSIsICJiMGVVc3ZHUC1PRERkRm9ZNE5semxYYzN0RHNsV0p0Q0pGNzVO"
	"dzhPal9nIiwgInpKS19lU01YandNOGRYbU1aTG5JOEZHTTA4ekozX3ViR2VFTUotNVRC"
	"eTAiXSwgInZhY2NpbmUiOiB7Il9zZCI6IFsiMWNGNWhMd2toTU5JYXFmV0pyWEk3Tk1X"
	"ZWRMLTlmNlkyUEE1MnlQalNaSSIsICJIaXk2V1d1ZUxENWJuMTYyOTh0UHY3R1hobWxk"
	"TURPVG5CaS1DWmJwaE5vIiwgIkxiMDI3cTY5MWpYWGwtakM3M3ZpOGViT2o5c214M0Mt"
	"X29nN2dBNFRCUUUiXSwgInR5cGUiOiAiVmFjY2luZSJ9LCAicmVjaXBpZW50IjogeyJf"
	"c2QiOiBbIjFsU1FCTlkyNHEwVGg2T0d6dGhxLTctNGw2Y0FheHJZWE9HWnBlV19sbkEi"
	"LCAiM256THE4MU0yb04wNndkdjFzaEh2T0VKVnhaNUtMbWREa0hFREpBQldFSSIsICJQ"
	"bjFzV2kwNkc0TEpybm4tX1JUMFJiTV9IVGR4blBKUXVYMmZ6V3ZfSk9VIiwgImxGOXV6"
	"ZHN3N0hwbEdMYzcxNFRyNFdPN01HSnphN3R0N1FGbGVDWDRJdHciXSwgInR5cGUiOiAi"
	"VmFjY2luZVJlY2lwaWVudCJ9LCAidHlwZSI6ICJWYWNjaW5hdGlvbkV2ZW50In0sICJf"
	"c2RfYWxnIjogInNoYS0yNTYiLCAiY25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJj"
	"cnYiOiAiUC0yNTYiLCAieCI6ICJUQ0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9ISVAxSUxp"
	"bERsczd2Q2VHZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldLVlE0aGJTSWlyc1ZmdWVj"
	"Q0U2dDRqVDlGMkhaUSJ9fX0.cMWoPtjmQ9F1sw61p_qlyOzjGQUWjrAAt6W9eNQLg0GE"
	"cLfxln8Ps8KX1FQsm9H88hUUbTrsNDSkUpyF0OEq5w~WyIyR0xDNDJzS1F2ZUNmR2Zye"
	"U5STjl3IiwgImF0Y0NvZGUiLCAiSjA3QlgwMyJd~WyJlbHVWNU9nM2dTTklJOEVZbnN4"
	"QV9BIiwgIm1lZGljaW5hbFByb2R1Y3ROYW1lIiwgIkNPVklELTE5IFZhY2NpbmUgTW9k"
	"ZXJuYSJd~WyI2SWo3dE0tYTVpVlBHYm9TNXRtdlZBIiwgIm1hcmtldGluZ0F1dGhvcml"
	"6YXRpb25Ib2xkZXIiLCAiTW9kZXJuYSBCaW90ZWNoIl0~WyJlSThaV205UW5LUHBOUGV"
	"OZW5IZGhRIiwgIm5leHRWYWNjaW5hdGlvbkRhdGUiLCAiMjAyMS0wOC0xNlQxMzo0MDo"
	"xMloiXQ~WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgImNvdW50cnlPZlZhY2NpbmF0"
	"aW9uIiwgIkdFIl0~WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImRhdGVPZlZhY2Np"
	"bmF0aW9uIiwgIjIwMjEtMDYtMjNUMTM6NDA6MTJaIl0~WyJQYzMzSk0yTGNoY1VfbEhn"
	"Z3ZfdWZRIiwgIm9yZGVyIiwgIjMvMyJd~WyJHMDJOU3JRZmpGWFE3SW8wOXN5YWpBIiw"
	"gImdlbmRlciIsICJGZW1hbGUiXQ~WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgImJp"
	"cnRoRGF0ZSIsICIxOTYxLTA4LTE3Il0~WyJuUHVvUW5rUkZxM0JJZUFtN0FuWEZBIiwg"
	"ImdpdmVuTmFtZSIsICJNYXJpb24iXQ~WyI1YlBzMUlxdVpOYTBoa2FGenp6Wk53IiwgI"
	"mZhbWlseU5hbWUiLCAiTXVzdGVybWFubiJd~WyI1YTJXMF9OcmxFWnpmcW1rXzdQcS13"
	"IiwgImFkbWluaXN0ZXJpbmdDZW50cmUiLCAiUHJheGlzIFNvbW1lcmdhcnRlbiJd~WyJ"
	"5MXNWVTV3ZGZKYWhWZGd3UGdTN1JRIiwgImJhdGNoTnVtYmVyIiwgIjE2MjYzODI3MzY"
	"iXQ~WyJIYlE0WDhzclZXM1FEeG5JSmRxeU9BIiwgImhlYWx0aFByb2Zlc3Npb25hbCIs"
	"ICI4ODMxMTAwMDAwMTUzNzYiXQ~";

#define RFC_NOW 1737118600       /* a minute after the examples' KB-JWTs */
#define RFC_AUD "https://verifier.example.org"
#define RFC_NONCE "1234567890"

struct vector {
	const char *name;
	const char *token;
	const char *typ;                  /* the issuer JWT's typ */
	bool kb;
	size_t disclosures;               /* expected in r.disclosed */
};

static const struct vector vectors[] = {
	{ "RFC 9901 §5.1", rfc_5_1, "example+sd-jwt", false, 10 },
	{ "RFC 9901 §5.2", rfc_5_2, "example+sd-jwt", true, 4 },
	{ "RFC 9901 A.2", rfc_a_2, "example+sd-jwt", false, 6 },
	{ "RFC 9901 A.3", rfc_a_3, "dc+sd-jwt", false, 21 },
	{ "RFC 9901 A.3 KB", rfc_a_3_kb, "dc+sd-jwt", true, 2 },
	{ "RFC 9901 A.4", rfc_a_4, "example+sd-jwt", false, 14 },
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

/* The processed payloads the RFC shows after §5.2 and A.3 */
static void rfc_processed(void **state)
{
	struct es256_key *issuer = rfc_issuer();
	struct sdjwt_result r;
	json_t *want;

	(void)state;
	assert_int_equal(verify_vector(&vectors[1], rfc_5_2, issuer, &r), CMN_OK);
	want = json_loads("{\"iss\":\"https://issuer.example.com\",\"iat\":1683000000,"
			  "\"exp\":1883000000,\"sub\":\"user_42\",\"nationalities\":[\"US\"],"
			  "\"cnf\":{\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\","
			  "\"x\":\"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc\","
			  "\"y\":\"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ\"}},"
			  "\"family_name\":\"Doe\",\"address\":{\"street_address\":\"123 Main St\","
			  "\"locality\":\"Anytown\",\"region\":\"Anystate\",\"country\":\"US\"},"
			  "\"given_name\":\"John\"}",
			  0, NULL);
	assert_true(json_equal(r.claims, want));
	json_decref(want);
	sdjwt_result_release(&r);

	assert_int_equal(verify_vector(&vectors[4], rfc_a_3_kb, issuer, &r), CMN_OK);
	want = json_pack("{sb}", "18", 1);
	assert_true(json_equal(json_object_get(r.claims, "age_equal_or_over"), want));
	json_decref(want);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(r.claims, "nationalities"), 0)), "DE");
	assert_null(json_object_get(r.claims, "given_name"));
	/* the visible members are processed before the top-level "_sd" */
	assert_string_equal(json_string_value(json_array_get(r.disclosed, 0)),
			    "/age_equal_or_over/18");
	assert_string_equal(json_string_value(json_array_get(r.disclosed, 1)), "/nationalities");
	sdjwt_result_release(&r);

	/* the holder's side: asking for those two names gives the RFC's
	 * disclosures, in the same order */
	{
		const char *names[] = { "nationalities", "18" };
		struct sdjwt_present p = { names, 2, NULL, NULL, NULL, 0 };
		char why[SDJWT_WHY_MAX];
		struct buf out;
		const char *kb = strrchr(rfc_a_3_kb, '~');

		buf_init(&out, SDJWT_MAX_BYTES);
		assert_int_equal(sdjwt_present(rfc_a_3, strlen(rfc_a_3), &p, &out, why), CMN_OK);
		assert_int_equal(out.len, (size_t)(kb + 1 - rfc_a_3_kb));
		assert_memory_equal(out.data, rfc_a_3_kb, out.len);
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
	assert_null(strstr(text, "Camille"));
	assert_null(strstr(text, "Martin"));
	assert_null(strstr(text, "580"));
	assert_null(strstr(text, "Bordeaux\""));
	assert_null(strstr(text, "33000"));
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
