import { InputField } from "./ui.tsx";

/**
 * A new password typed twice, as changing a password and activating an account ask for it: the
 * form posts them as `password` and `confirm`, and the server checks both (the browser's
 * minLength only spares a round trip).
 */
export function NewPasswordFields({ label, confirmLabel, hint }: { label: string; confirmLabel: string; hint?: string }) {
  return (
    <>
      <InputField label={label} name="password" hint={hint} type="password" autoComplete="new-password" minLength={8} required />
      <InputField label={confirmLabel} name="confirm" type="password" autoComplete="new-password" minLength={8} required />
    </>
  );
}
