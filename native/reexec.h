// Replacing the process image (reexec.cc), exported by selavi_native.cc's Init.
#pragma once
#include <node_api.h>

napi_value Reexec(napi_env env, napi_callback_info info);
