// The Sinkhorn row-block kernels (sinkhorn_kernels.cc), exported by selavi_native.cc's Init.
#pragma once
#include <node_api.h>

napi_value SinkhornRun(napi_env env, napi_callback_info info);
