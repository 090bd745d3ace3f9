# Shared by the test scripts (sourced) that drive a tool from PyPI against a demo node.

# pip_tool DIR PACKAGE VERSION COMMAND: makes sure target/tools/DIR holds PACKAGE at VERSION
# (COMMAND --version must name it), installing it into a venv there when not.
pip_tool() {
  local venv=target/tools/$1 package=$2 version=$3 command=$4
  if ! "$venv/bin/$command" --version 2>/dev/null | grep -q "$version"; then
    python3 -m venv "$venv" || {
      echo "python3 with venv is needed for $package (Debian: apt-get install python3-venv)" >&2
      exit 1
    }
    "$venv/bin/pip" install -q "$package==$version"
  fi
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
