#include "core/err.h"

const char *err_str(int code)
{
	switch (code) {
	case ERR_OK:
		return "ok";
#define X(name, value, text) \
	case name:           \
		return text;
		ERR_TABLE(X)
#undef X
	}
	return "unknown error";
}
