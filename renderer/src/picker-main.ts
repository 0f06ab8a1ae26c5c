import { mount } from 'svelte';
import QuickPicker from './components/QuickPicker.svelte';
import { getApi } from './lib/api';
import './styles.css';

mount(QuickPicker, { target: document.getElementById('app') as HTMLElement, props: { api: getApi() } });
