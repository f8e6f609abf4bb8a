/** Global grad mode, as torch.is_grad_enabled / torch.no_grad. */
let grad_enabled = true;

export function is_grad_enabled(): boolean {
  return grad_enabled;
}

export function set_grad_enabled(flag: boolean): boolean {
  const prev = grad_enabled;
  grad_enabled = flag;
  return prev;
}

/** Runs `fn` with gradient recording off (torch.no_grad()). */
export function no_grad<T>(fn: () => T): T {
  const prev = set_grad_enabled(false);
  try {
    return fn();
  } finally {
    set_grad_enabled(prev);
  }
}

/** Runs `fn` with gradient recording on (torch.enable_grad()). */
export function enable_grad<T>(fn: () => T): T {
  const prev = set_grad_enabled(true);
  try {
    return fn();
  } finally {
    set_grad_enabled(prev);
  }
}
