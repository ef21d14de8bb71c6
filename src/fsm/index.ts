/** The state-machine engine every machine of the project runs on (./machine). */
export {
  Machine,
  nextOf,
  type Cell,
  type Move,
  type Step,
  type TransitionHook,
  type TransitionTable,
} from './machine';
