// reexec(file, argv, env): execve(2) from Node (which has no exec of its own before v23): the same
// process, pid, terminal, signals and exit status, running `file` with `argv` and `env`. Used to
// start the CLI again under settings that must be in place before a process starts
// (src/cli/relaunch.ts: GLIBC_TUNABLES). Returns only on failure, by throwing that failure.
#include "reexec.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace {

bool stringAt(napi_env env, napi_value value, std::string* out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
  out->resize(length + 1);
  if (napi_get_value_string_utf8(env, value, out->data(), length + 1, &length) != napi_ok) return false;
  out->resize(length);
  return out->find('\0') == std::string::npos;  // a NUL would cut the argument short
}

bool stringsAt(napi_env env, napi_value value, std::vector<std::string>* out) {
  bool isArray = false;
  uint32_t length = 0;
  if (napi_is_array(env, value, &isArray) != napi_ok || !isArray || napi_get_array_length(env, value, &length) != napi_ok) return false;
  out->resize(length);
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    if (napi_get_element(env, value, i, &item) != napi_ok || !stringAt(env, item, &(*out)[i])) return false;
  }
  return true;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

napi_value Reexec(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  std::string file;
  std::vector<std::string> args, vars;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 3 || !stringAt(env, argv[0], &file) || !stringsAt(env, argv[1], &args) ||
      !stringsAt(env, argv[2], &vars) || args.empty()) {
    napi_throw_type_error(env, nullptr, "reexec(file, argv, env): a path, a non-empty array of strings and an array of NAME=value strings");
    return nullptr;
  }
  std::vector<char*> argvPointers = pointers(args), envPointers = pointers(vars);
  // Node marks its own stdin, stdout and stderr close-on-exec at start-up: the new image would find
  // them closed (and Node would put /dev/null there). They are the terminal or the pipes the caller
  // gave: keep them open across the exec.
  for (int fd = 0; fd <= 2; fd++) {
    const int flags = fcntl(fd, F_GETFD);
    if (flags != -1) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  execve(file.c_str(), argvPointers.data(), envPointers.data());
  const std::string why = "reexec: " + file + ": " + std::strerror(errno);
  napi_throw_error(env, nullptr, why.c_str());
  return nullptr;
}
