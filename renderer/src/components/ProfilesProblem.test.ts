import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Refusal, fakeApi, tick } from '../../testing/fake-api';
import ProfilesProblem from './ProfilesProblem.svelte';

const problem = {
  message: 'the profile file /home/ann/.config/knocker/profiles.json has schema version 3, written by a newer Knocker (this one reads version 2)',
  hint: 'update Knocker; the file is left as it is',
  file: '/home/ann/.config/knocker/profiles.json',
};

describe('ProfilesProblem', () => {
  it('shows the error and the file, and moves the file aside on request', async () => {
    const f = fakeApi({ 'profiles:moveAside': () => ({ movedTo: '/home/ann/.config/knocker/profiles.json.broken-20261203-120000Z' }) });
    const moved: string[] = [];
    render(ProfilesProblem, { props: { api: f.api, problem, onmoved: (m: string) => moved.push(m) } });
    expect(screen.getByRole('alert').textContent).toMatch(/cannot be read/);
    expect(screen.getByTestId('profiles-problem-message').textContent).toBe(`${problem.message}. ${problem.hint}`);
    expect(screen.getByTestId('profiles-problem-file').textContent).toBe(problem.file);
    await fireEvent.click(screen.getByRole('button', { name: 'Move it aside and start empty' }));
    await tick();
    expect(f.callsTo('profiles:moveAside')).toEqual([{}]);
    expect(moved).toEqual(['/home/ann/.config/knocker/profiles.json.broken-20261203-120000Z']);
  });

  it('says why when the file cannot be moved', async () => {
    const f = fakeApi({ 'profiles:moveAside': () => new Refusal({ code: 'storage', message: 'cannot move it aside: EACCES' }) });
    const moved: string[] = [];
    render(ProfilesProblem, { props: { api: f.api, problem, onmoved: (m: string) => moved.push(m) } });
    await fireEvent.click(screen.getByTestId('profiles-move-aside'));
    await tick();
    expect(screen.getByTestId('profiles-move-error').textContent).toBe('cannot move it aside: EACCES');
    expect(moved).toEqual([]);
  });
});
