// Where an ArrayBuffer's memory starts relative to an alignment (alignment.cc), exported by
// selavi_native.cc's Init.
#pragma once
#include <node_api.h>

napi_value AlignmentOffset(napi_env env, napi_callback_info info);
